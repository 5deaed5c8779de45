package stable

import "github.com/focalcheck/focalcheck/spec"

type float interface{ ~float32 | ~float64 }

// round rounds an xf once to F.
func round[F float](a xf) F {
	var z F
	if _, ok := any(z).(float32); ok {
		return F(a.float32())
	}
	return F(a.float64())
}

// evaluate writes the element losses and the gradient into losses and
// grads and returns the reduced loss (0 for None), unrounded. cfg and the
// batch are valid; cbw holds the CB weights in double-double (nil without
// CB).
func evaluate[F float](cfg *spec.Config, classes int, logits, targets []F, cbw []dd, losses, grads []F) xf {
	n := len(logits)
	eps := cfg.LabelSmoothing
	gInt := intGamma(cfg.Gamma)
	d := denominator(cfg, classes, targets)
	var total xf
	label := -1 // the current row's positive class, for cb.apply = label
	for i := range n {
		c := i % classes
		if cbw != nil && cfg.CB.Apply == spec.CBLabel && c == 0 {
			for k := range classes {
				if targets[i+k] == 1 {
					label = k
				}
			}
		}
		// W = weight_c·cb, kept as an xf so that it cannot overflow.
		w := xfFromF(1)
		if cfg.Weight != nil {
			w = xfFromF(cfg.Weight[c])
		}
		if cbw != nil {
			k := c
			if cfg.CB.Apply == spec.CBLabel {
				k = label
			}
			w = xfMul(w, xfFromDD(cbw[k]))
		}
		ap, am := 1.0, 1.0
		if cfg.Alpha != nil {
			a := cfg.Alpha[0]
			if len(cfg.Alpha) > 1 {
				a = cfg.Alpha[c]
			}
			ap, am = a, 1-a
		}
		pw := 1.0
		if cfg.PosWeight != nil {
			pw = cfg.PosWeight[c]
		}
		x, y := float64(logits[i]), float64(targets[i])
		var f, df xf
		if eps == 0 && (y == 0 || y == 1) {
			// Binary target: f = α_t·(pw if y = 1)·σ(−x_t)^γ·sp(−x_t)
			// with x_t = ±x, and df/dx = (2y−1)·df/dx_t.
			// The coefficients α₋ = 1−a and α₊·pw are exact double-doubles.
			z, cx := -x, xfFromF(1)
			if cfg.Alpha != nil {
				cx = xfFromDD(twoSum(1, -ap))
			}
			if y == 1 {
				z, cx = x, xfMulF(xfFromF(ap), pw)
			}
			fl, dfl := binaryFocal(z, cfg.Gamma, gInt)
			f, df = xfMul(cx, fl), xfMul(cx, dfl)
			if y == 0 {
				df = xfNeg(df)
			}
		} else {
			// y_s = y(1−ε) + ε/2 and 1−y_s = (1−y)(1−ε) + ε/2 by the same
			// formula, not 1 − fl(y_s), which loses ε/2 next to 1.
			yc := 1 - y
			ys, ysc := y*(1-eps)+eps/2, yc*(1-eps)+eps/2
			ym, ymc := ys, ysc
			if cfg.SmoothingScope == spec.SmoothingCE {
				ym, ymc = y, yc
			}
			f, df = softFocal(cfg.Soft, softElem{x: x, ys: ys, ym: ym, ysc: ysc, ymc: ymc, ap: ap, am: am, pw: pw, gm: cfg.Gamma})
		}
		l := xfMul(w, f)
		g := xfMul(w, df)
		if cfg.Reduction == spec.Mean {
			g = xfDivDD(g, d)
		}
		losses[i] = round[F](l)
		grads[i] = round[F](g)
		if cfg.Reduction != spec.None {
			total = xfAdd(total, l)
		}
	}
	if cfg.Reduction == spec.Mean {
		total = xfDivDD(total, d)
	}
	return total
}

// denominator returns D of the Mean reduction (1 otherwise): N·C, N, Σy
// (summed in double-double) or max(1, Σy).
func denominator[F float](cfg *spec.Config, classes int, targets []F) dd {
	if cfg.Reduction != spec.Mean {
		return dd{1, 0}
	}
	switch cfg.Normalizer {
	case spec.Rows:
		return dd{float64(len(targets) / classes), 0}
	case spec.Positives, spec.PositivesGuarded:
		var s dd
		for _, y := range targets {
			s = ddAddF(s, float64(y))
		}
		// max(1, Σy) on the double-double value: Σy = 1 − 2^-61 has hi = 1
		// and a negative lo.
		if cfg.Normalizer == spec.PositivesGuarded && (s.hi < 1 || s.hi == 1 && s.lo < 0) {
			return dd{1, 0}
		}
		return s
	}
	return dd{float64(len(targets)), 0}
}
