package exact

import (
	"math/big"
	"sync"

	"github.com/ALTree/bigfloat"
)

// expCutoff is the magnitude beyond which e^{-z} is treated as 0:
// e^{-2^20} < 2^{-1512775}. The package doc (Asymptotic regions) lists the
// places where this happens and bounds the effect on every output: below
// 2^{-1.5e6} relative or absolute, far below half an ulp of any float64 or
// float32 result.
const expCutoff = 1 << 20

// cutoff is expCutoff as used by the code; tests raise it to compare the
// asymptotic branch with the full computation.
var cutoff float64 = expCutoff

// maxPrec is the highest working precision of the Ziv-style re-evaluation
// (Evaluator): the bigfloat calls at that precision (Expm1's 1.5·prec+64
// bits, Exp's 64 guard bits, bigfloat.Exp's Newton iteration up to twice
// its precision plus 128 bits, bigfloat.Log's 64) need π to at most
// 3·maxPrec+448 = 6592 bits.
const maxPrec = 2048

// piPrec is the precision to which init extends bigfloat's π cache. bigfloat
// recomputes π, and rewrites its package-level cache, for every call that
// needs more bits than the cache holds; with the cache filled here, before
// any goroutine can run, every call of this package only reads it, so the
// package is safe for concurrent use.
const piPrec = 8192

func init() {
	bigfloat.Log(new(big.Float).SetPrec(piPrec).SetInt64(3)) // fills π to piPrec+64 bits
}

// guardBits is the slack of the error bounds: every output is within
// 2^{-prec+guardBits} of its scale (Element's dfScale, or the value itself
// for the losses). Every log m of a modulator exp(γ·log m) is accurate
// relative to itself (−sp(±x), −g, log q through Log1p(−v), log u through
// logU), so the absolute error of γ·log m, at most 2^20 in magnitude before
// the cutoff, is below 2^{20−prec} and the modulator's relative error below
// 2^{21−prec}; a few dozen operations, each within 2^{-prec} relative, add
// less than 2^8.
const guardBits = 40

var (
	ln2Mu    sync.Mutex
	ln2Cache = map[uint]*big.Float{}
)

// ln2 returns log 2 to prec bits, cached per precision.
func ln2(prec uint) *big.Float {
	ln2Mu.Lock()
	defer ln2Mu.Unlock()
	if v, ok := ln2Cache[prec]; ok {
		return v
	}
	v := bigfloat.Log(new(big.Float).SetPrec(prec).SetInt64(2))
	ln2Cache[prec] = v
	return v
}

func newF(prec uint) *big.Float { return new(big.Float).SetPrec(prec) }

func fl(prec uint, v float64) *big.Float { return newF(prec).SetFloat64(v) }

// Exp returns e^z to prec bits, by argument reduction:
//
//	e^z = 2^k · e^r,  k = round(z/ln2),  r = z − k·ln2,  |r| ≤ ln2/2
//
// with ln2 carried to prec+64+bits(k) bits so that r keeps prec+64 bits.
// Special cases are: z < −2^20 gives 0 (the value is below 2^{-1.5e6}; the
// package doc, Asymptotic regions, case 2, bounds its effect); z > 2^20 is
// computed the same way (the callers never need it beyond 2^20, and
// big.Float's exponent range ends near 2^31·log 2).
func Exp(z *big.Float, prec uint) *big.Float {
	if z.Sign() == 0 {
		return newF(prec).SetInt64(1)
	}
	if z.Cmp(fl(64, -cutoff)) < 0 {
		return newF(prec)
	}
	wp := prec + 64
	q := newF(wp).Quo(z, ln2(wp))
	kf, _ := q.Float64()
	k := int64(kf + 0.5)
	if kf < 0 {
		k = int64(kf - 0.5)
	}
	kb := 0
	for a := k; a != 0; a /= 2 {
		kb++
	}
	wp2 := wp + uint(kb)
	r := newF(wp2).Mul(newF(wp2).SetInt64(k), ln2(wp2))
	r.Sub(newF(wp2).Set(z), r)
	r.SetPrec(wp)
	e := bigfloat.Exp(r)
	e.SetMantExp(e, int(k))
	return e.SetPrec(prec)
}

// Log1p returns log(1+e) for −1/2 ≤ e ≤ 1 to about prec bits relative.
// For |e| < 2^{-prec/2}: log1p(e) = e − e²/2 + e³/3, the omitted e⁴/4 being
// below 2^{-1.5·prec} relative. Otherwise 1+e is formed at 1.5·prec+64 bits,
// so its rounding error, at most 2^{-1.5prec-64}, is below 2^{-prec-64}
// relative to |log(1+e)| ≥ |e|/2 ≥ 2^{-prec/2-1}, and bigfloat.Log is
// applied. With e = −v this is log(1 − v) accurate relative to itself,
// the log of a probability near 1.
func Log1p(e *big.Float, prec uint) *big.Float {
	if e.Sign() == 0 {
		return newF(prec)
	}
	if e.MantExp(nil) < -int(prec/2) {
		e2 := newF(prec).Mul(e, e)
		e3 := newF(prec).Mul(e2, e)
		r := newF(prec).Set(e)
		r.Sub(r, e2.Quo(e2, fl(prec, 2)))
		r.Add(r, e3.Quo(e3, fl(prec, 3)))
		return r
	}
	hp := prec + prec/2 + 64
	s := newF(hp).Add(fl(hp, 1), e)
	return bigfloat.Log(s).SetPrec(prec)
}

// Expm1 returns e^c − 1 for c ≥ −2^20 (or any c, where e^c → 0 gives −1)
// to about prec bits relative. For |c| < 2^{-prec/2}: c + c²/2 + c³/6, the
// omitted term below 2^{-1.5prec} relative. Otherwise e^c is formed at
// 1.5·prec+64 bits, so the cancellation in e^c − 1 (at most prec/2 bits)
// leaves prec+64 bits.
func Expm1(c *big.Float, prec uint) *big.Float {
	if c.Sign() == 0 {
		return newF(prec)
	}
	if c.MantExp(nil) < -int(prec/2) {
		c2 := newF(prec).Mul(c, c)
		c3 := newF(prec).Mul(c2, c)
		r := newF(prec).Set(c)
		r.Add(r, c2.Quo(c2, fl(prec, 2)))
		r.Add(r, c3.Quo(c3, fl(prec, 6)))
		return r
	}
	hp := prec + prec/2 + 64
	e := Exp(newF(hp).Set(c), hp)
	return e.Sub(e, fl(hp, 1)).SetPrec(prec)
}

// Pow returns q^γ for q ≥ 0, γ ≥ 0, as exp(γ·log q). Special cases are:
// γ = 0 gives 1 (0^0 = 1); q = 0 with γ > 0 gives 0.
func Pow(q *big.Float, gamma float64, prec uint) *big.Float {
	if gamma == 0 {
		return newF(prec).SetInt64(1)
	}
	if q.Sign() == 0 {
		return newF(prec)
	}
	return PowLog(bigfloat.Log(newF(prec+64).Set(q)), gamma, prec)
}

// PowLog returns exp(γ·lq), q^γ given lq = log q.
func PowLog(lq *big.Float, gamma float64, prec uint) *big.Float {
	if gamma == 0 {
		return newF(prec).SetInt64(1)
	}
	z := newF(prec+64).Mul(fl(prec+64, gamma), lq)
	return Exp(z, prec)
}
