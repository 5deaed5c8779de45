package vectorized

// forcePortable makes every chunk take the portable loop; tests set it to
// compare the two paths.
var forcePortable bool
