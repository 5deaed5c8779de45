package vectorized

// Chunk is the number of elements a goroutine takes at a time, for the
// external tests that need a batch of a given number of chunks.
const Chunk = chunk
