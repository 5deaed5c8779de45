package fuzz

import (
	"math"
)

// Landmark logits of BACKGROUND.md §3 (SPEC.md §8): σ rounds to 1 at 16.6
// (float32) and 36.7 (float64), e^z overflows at 88.72 and 709.78 and
// underflows at −103.97 and −745.13; each threshold is given both rounded
// and to the digits where the change happens (the values of props'
// landmarks), with huge, tiny, subnormal and signed-zero logits besides.
var landmarks = []float64{
	16.6, 16.635532, 36.7, 36.736801, 88.72, 88.7228391, 103.97, 103.972077,
	709.78, 709.782712893384, 745.13, 745.1332191019411,
	1e3, 1e300, math.MaxFloat64, 1e-17, 0x1p-1022, math.SmallestNonzeroFloat64, 0, math.Copysign(0, -1),
}

// seedBase is the parameter bits every seed starts from: α 0.25 (Lin et
// al.) and 0.75 for the second class, weight 2 and 0.5, pos_weight 3 and 1,
// β = 0.999 with counts 10 and 1000; Mode selects which of them are used.
func seedBase(mode uint32, x0, y0, x1, y1, gamma float64) Input {
	in := Input{
		Mode:      mode,
		Gamma:     math.Float64bits(gamma),
		Alpha:     bits2(0.25, 0.75),
		Weight:    bits2(2, 0.5),
		PosWeight: bits2(3, 1),
		Beta:      math.Float64bits(0.999),
		Counts:    bits2(10, 1000),
	}
	in.X, in.Y = bits2(x0, x1), bits2(y0, y1)
	in.X32 = [2]uint32{math.Float32bits(clamp32(x0)), math.Float32bits(clamp32(x1))}
	in.Y32 = [2]uint32{math.Float32bits(float32(y0)), math.Float32bits(float32(y1))}
	return in
}

func bits2(a, b float64) [2]uint64 { return [2]uint64{math.Float64bits(a), math.Float64bits(b)} }

// clamp32 rounds v to float32, keeping it finite (±MaxFloat32 for a larger
// |v|) so that a float64 landmark stays a valid float32 seed.
func clamp32(v float64) float32 {
	if math.Abs(v) > math.MaxFloat32 {
		return float32(math.Copysign(math.MaxFloat32, v))
	}
	return float32(v)
}

func mode(soft, red, norm, alpha uint32, flags uint32) uint32 {
	return soft<<ModeSoftShift | red<<ModeRedShift | norm<<ModeNormShift | alpha<<ModeAlphaShift | flags
}

// Seeds returns the hard inputs every target starts from:
//
//   - each landmark logit L as the pair (−L, L) with positive targets and
//     with negative targets, cycling through the soft semantics, γ in
//     {2, 0.5, 0, 5}, the reductions and the α forms (float32 path: the
//     landmark rounded to float32, ±MaxFloat32 beyond its range);
//   - γ < 1 (0.5, 0.25, 10⁻³, 0.999) near saturation, where q = σ(−x_t)
//     underflows and pow's chain rule gives NaN (Z3): x_t in {16.6, 17,
//     20, 36.7, 37, 40, 745.2};
//   - large γ (20, 50, 1000), where e^{−γ·sp} amplifies the error of its
//     argument;
//   - class-balanced weights with β near 1 (0.9 … 0.9999, 1−10⁻¹⁰, 1−2⁻³⁰,
//     1−2⁻⁵²) and near 0 (10⁻²⁰ and the smallest subnormal, where β−1
//     rounds to −1 and log1p(β−1) is −Inf), counts from 1 to 2⁵³, both
//     normalisations and both applications;
//   - soft targets and label smoothing with both scopes, pos_weight and
//     weight, the positives normalisers;
//   - one invalid input for each check of spec.Validate.
func Seeds() []Input {
	var out []Input
	softs := []uint32{0, 1, 2, 3}
	gammas := []float64{2, 0.5, 0, 5}
	k := 0
	for _, l := range landmarks {
		for _, y := range []float64{1, 0} {
			s := softs[k%4]
			red := uint32(k % 3)
			alpha := uint32(k % 3)
			flags := uint32(0)
			if k%2 == 1 {
				flags |= ModeTwoClasses
			}
			if k%5 == 0 {
				flags |= ModeWeight | ModePosWeight
			}
			out = append(out, seedBase(mode(s, red, 0, alpha, flags), -l, y, l, y, gammas[k%4]))
			k++
		}
	}
	for _, g := range []float64{0.5, 0.25, 1e-3, 0.999} {
		for _, x := range []float64{16.6, 17, 20, 36.7, 37, 40, 745.2} {
			s := softs[k%4]
			out = append(out, seedBase(mode(s, 1, 0, modeAlphaScalar, ModeTwoClasses), x, 1, -x, 0, g))
			k++
		}
	}
	for _, g := range []float64{20, 50, 1000} {
		for _, x := range []float64{-3, 0.5, 3, 30} {
			out = append(out, seedBase(mode(softs[k%4], 2, 0, 0, 0), x, 1, -x, 1, g))
			k++
		}
	}
	betas := []float64{0, 0x1p-1074, 1e-20, 0.9, 0.99, 0.999, 0.9999, 1 - 1e-10, 1 - 0x1p-30, 1 - 0x1p-52}
	counts := [][2]float64{{1, 2}, {2, 3}, {10, 1000}, {1e9, 1 << 53}, {1, 1 << 52}}
	for i, beta := range betas {
		for j, n := range counts {
			flags := uint32(ModeCB | ModeTwoClasses)
			if (i+j)%2 == 1 {
				flags |= ModeCBSum
			}
			in := seedBase(mode(softs[k%4], uint32(k%3), 0, 0, flags), 2, 1, -1, 0, 2)
			if (i+j)%3 == 0 {
				in.Mode |= ModeCBLabel
			}
			in.Beta, in.Counts = math.Float64bits(beta), bits2(n[0], n[1])
			out = append(out, in)
			k++
		}
	}
	// Soft targets and label smoothing (ε 0.1 and 0.999), both scopes,
	// every normaliser of the mean.
	for i, c := range []struct{ x, y float64 }{{0, 0.5}, {4, 0.3}, {-4, 0.7}, {40, 0.5}, {-800, 0.25}, {1e-300, 1e-300}} {
		flags := uint32(ModeTwoClasses | ModePosWeight | ModeWeight)
		if i%2 == 1 {
			flags |= ModeScopeCE
		}
		in := seedBase(mode(uint32(i%4), 0, uint32(i%4), modeAlphaClass, flags), c.x, c.y, -c.x, 1-c.y, 2)
		in.Eps = math.Float64bits([]float64{0, 0.1, 0.999}[i%3])
		out = append(out, in)
	}
	// Overflow: weights near MaxFloat64 times a large loss.
	big := seedBase(mode(0, 1, 0, 0, ModeWeight|ModePosWeight|ModeTwoClasses), -1e300, 1, 1e300, 0, 0)
	big.Weight, big.PosWeight = bits2(math.MaxFloat64, 1e300), bits2(10, 1e10)
	out = append(out, big)
	return append(out, invalidSeeds()...)
}

// invalidSeeds returns one input for each check of spec.Validate.
func invalidSeeds() []Input {
	base := func() Input { return seedBase(mode(0, 0, 0, 0, ModeTwoClasses), 1, 1, -2, 0, 2) }
	nan, inf := math.NaN(), math.Inf(1)
	var out []Input
	add := func(f func(*Input)) {
		in := base()
		f(&in)
		out = append(out, in)
	}
	add(func(in *Input) { in.X[0] = math.Float64bits(nan); in.X32[0] = math.Float32bits(float32(nan)) })
	add(func(in *Input) { in.X[1] = math.Float64bits(-inf); in.X32[1] = math.Float32bits(float32(-inf)) })
	add(func(in *Input) { in.Y[0] = math.Float64bits(1.5); in.Y32[0] = math.Float32bits(1.5) })
	add(func(in *Input) { in.Y[1] = math.Float64bits(nan); in.Y32[1] = math.Float32bits(float32(nan)) })
	add(func(in *Input) { in.Y[1] = math.Float64bits(-0x1p-1074); in.Y32[1] = math.Float32bits(-0x1p-149) })
	add(func(in *Input) { in.Gamma = math.Float64bits(-1) })
	add(func(in *Input) { in.Gamma = math.Float64bits(nan) })
	add(func(in *Input) { in.Gamma = math.Float64bits(1e300) }) // finite, but +Inf in float32
	add(func(in *Input) { in.Mode |= modeAlphaScalar << ModeAlphaShift; in.Alpha[0] = math.Float64bits(1.5) })
	add(func(in *Input) { in.Mode |= modeAlphaBad << ModeAlphaShift })
	add(func(in *Input) { in.Eps = math.Float64bits(1) })
	add(func(in *Input) { in.Mode |= ModeWeight; in.Weight[1] = math.Float64bits(-1) })
	add(func(in *Input) { in.Mode |= ModePosWeight; in.PosWeight[0] = math.Float64bits(inf) })
	add(func(in *Input) { in.Mode |= ModeWeight; in.Weight[0] = math.Float64bits(1e300) }) // +Inf in float32
	add(func(in *Input) { in.Mode |= ModeCB; in.Beta = math.Float64bits(1) })
	add(func(in *Input) { in.Mode |= ModeCB; in.Counts[1] = math.Float64bits(0.5) })
	add(func(in *Input) { in.Mode |= ModeCB; in.Counts[0] = math.Float64bits(0) })
	add(func(in *Input) { in.Mode |= ModeCB | ModeCBLabel }) // targets (1, 0) one-hot: valid
	add(func(in *Input) {
		in.Mode |= ModeCB | ModeCBLabel
		in.Y[1], in.Y32[1] = math.Float64bits(1), math.Float32bits(1)
	})
	add(func(in *Input) { in.Mode |= 3 << ModeRedShift })
	add(func(in *Input) {
		in.Mode |= 2 << ModeNormShift // positives, no positive target
		in.Y, in.Y32 = [2]uint64{}, [2]uint32{}
	})
	add(func(in *Input) { in.Mode |= ModeEmpty })                            // mean of an empty batch
	add(func(in *Input) { in.Mode |= ModeEmpty | 1<<ModeRedShift | ModeCB }) // sum of an empty batch: valid
	return out
}
