package stable

import (
	"math"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
)

// TestValues checks hand-picked elements against values computed with
// mpmath 1.3.0 at 60 significant digits (mp.dps = 60) from the formulas of
// SPEC.md §2, the derivative by mpmath.diff, printed to 20 digits. The
// parameters are the float64 values written here (mpf of the float). The
// gradient at x = −1e300 is the closed form −σ(−x)^γ·[σ(−x) + γσ(x)sp(−x)] =
// −1, where mpmath.diff loses the step.
func TestValues(t *testing.T) {
	a := func(v float64) []float64 { return []float64{v} }
	for i, c := range []struct {
		reason     string
		cfg        spec.Config
		x, y       float64
		loss, grad float64
		soft       bool
	}{
		{"x=0 y=1 γ=2", spec.Config{Gamma: 2}, 0, 1, 1.7328679513998632735e-1, -2.9828679513998632735e-1, false},
		{"x=2.5 y=1 γ=2 α=0.25", spec.Config{Gamma: 2, Alpha: a(0.25)}, 2.5, 1, 1.1349202365712568093e-4, -3.1889623216572383868e-4, false},
		{"x=-3 y=0 γ=0.5 α=0.25", spec.Config{Gamma: 0.5, Alpha: a(0.25)}, -3, 0, 7.9358263870469715878e-3, 1.1525852269276009134e-2, false},
		{"x=40 y=1 γ=2: σ(x) rounds to 1", spec.Config{Gamma: 2}, 40, 1, 7.667648073721999551e-53, -2.3002944221165998572e-52, false},
		{"x=-800 y=1 γ=2: e^x underflows", spec.Config{Gamma: 2}, -800, 1, 800, -1, false},
		{"x=800 y=0 γ=5 pw=3 (pw does not touch negatives)", spec.Config{Gamma: 5, PosWeight: a(3)}, 800, 0, 800, 1, false},
		{"x=200 y=1 γ=2.5: modulator e^{-500}", spec.Config{Gamma: 2.5}, 200, 1, 9.8596765437597708567e-305, -3.4508867903159197998e-304, false},
		{"x=-1e300 y=1 γ=2", spec.Config{Gamma: 2}, -1e300, 1, 1e300, -1, false},
		{"x=1e-300 y=0 γ=0.5 α=0.1", spec.Config{Gamma: 0.5, Alpha: a(0.1)}, 1e-300, 0, 4.4111616456084623355e-1, 4.2847709267415794241e-1, false},
		{"x=-0.7 y=1 γ=7 pw=2 α=0.6: integer γ path", spec.Config{Gamma: 7, Alpha: a(0.6), PosWeight: a(2)}, -0.7, 1, 7.8726269684273673591e-2, -2.3054001646691362063e-1, false},
		{"x=1.3 y=0 γ=1.7", spec.Config{Gamma: 1.7}, 1.3, 0, 1.0229827971485142623, 8.9411668295308161229e-1, false},
		{"soft linear x=0.3 y=0.7 γ=2", spec.Config{Gamma: 2, Soft: spec.Linear}, 0.3, 0.7, 1.4247317121756465285e-1, -8.7016839400804931557e-2, true},
		{"soft geometric x=0.3 y=0.7 γ=2", spec.Config{Gamma: 2, Soft: spec.Geometric}, 0.3, 0.7, 1.3970592908637023566e-1, -1.0390524841236940784e-1, true},
		{"soft expce x=0.3 y=0.7 γ=2", spec.Config{Gamma: 2, Soft: spec.ExpCE}, 0.3, 0.7, 1.4538208258683628218e-1, -6.867947051603537581e-2, true},
		{"soft split x=0.3 y=0.7 γ=2", spec.Config{Gamma: 2, Soft: spec.Split}, 0.3, 0.7, 1.5485241371306705781e-1, -5.8339669449723773107e-3, true},
		{"smoothing ε=0.1 scope all, linear x=-2 y=1 γ=2 α=0.25", spec.Config{Gamma: 2, Alpha: a(0.25), LabelSmoothing: 0.1}, -2, 1, 3.9585388334422138257e-1, -2.5102705565233774e-1, true},
		{"smoothing ε=0.1 scope ce, linear x=-2 y=1 γ=2 α=0.25", spec.Config{Gamma: 2, Alpha: a(0.25), LabelSmoothing: 0.1, SmoothingScope: spec.SmoothingCE}, -2, 1, 3.931244575409928188e-1, -2.548569867934492965e-1, true},
		{"expce ε=0.999 scope ce, x=-1048576.5 y=0 γ=2^-15: u = σ(x) = e^{-1048576.5} in log space", spec.Config{Gamma: 0x1p-15, LabelSmoothing: 0.999, SmoothingScope: spec.SmoothingCE, Soft: spec.ExpCE}, -1.0485765e+06, 0, 6.6329323089642823907e-9, 1.9609537576744064209e-13, true},
		{"smoothing ε=0.1 scope ce, expce x=5 y=0 γ=0.5", spec.Config{Gamma: 0.5, LabelSmoothing: 0.1, SmoothingScope: spec.SmoothingCE, Soft: spec.ExpCE}, 5, 0, 4.7407706314377150378, 9.5600977797262601469e-1, true},
	} {
		cfg := c.cfg
		cfg.Reduction = spec.None
		var r spec.Result
		if err := (Evaluator{}).Evaluate(&cfg, spec.Batch{Classes: 1, Logits: []float64{c.x}, Targets: []float64{c.y}}, &r); err != nil {
			t.Fatalf("case %d (%s): %v", i, c.reason, err)
		}
		for _, v := range []struct {
			what      string
			got, want float64
		}{{"loss", r.Losses[0], c.loss}, {"grad", r.Grad[0], c.grad}} {
			if c.soft {
				// Contract.SoftRel with S = W(1+pw)(1+γ)(1+|x|)/D, W = pw = D = 1.
				s := 2 * (1 + cfg.Gamma) * (1 + math.Abs(c.x))
				if math.Abs(v.got-v.want) > Contract.SoftRel*(math.Abs(v.want)+s) {
					t.Errorf("case %d (%s): %s = %v, want %v (mpmath)", i, c.reason, v.what, v.got, v.want)
				}
				continue
			}
			if d := ulp.Dist(v.got, v.want); d > 1 {
				t.Errorf("case %d (%s): %s = %v, want %v (mpmath): %v ulp", i, c.reason, v.what, v.got, v.want, d)
			}
		}
	}
}

// TestCBWeights checks the weights against mpmath at 60 digits:
// (1−β)/(1−β^n) for β = 0.999 and n = 1, 10, 1000, normalised to sum 3,
// and β = 1−2^-40, n = 10^6 (where 1−β^n by the direct form loses about 9
// digits).
func TestCBWeights(t *testing.T) {
	for i, c := range []struct {
		reason string
		cb     spec.CB
		want   []float64
	}{
		{"β=0.999 none", spec.CB{Beta: 0.999, Counts: []float64{1, 10, 1000}}, []float64{1, 0.10045082541138437417, 0.0015815163121946032108}},
		{"β=0.999 sum", spec.CB{Beta: 0.999, Counts: []float64{1, 10, 1000}, Normalize: spec.CBSum}, []float64{2.7222431560474885201, 0.27345157199546225812, 0.0043052719570492217999}},
		{"β=1−2^-40 n=1e6", spec.CB{Beta: 1 - 0x1p-40, Counts: []float64{1e6}}, []float64{1.0000004547469650708e-6}},
		{"β=0 gives 1", spec.CB{Beta: 0, Counts: []float64{1, 7}}, []float64{1, 1}},
	} {
		w, err := (Evaluator{}).CBWeights(&c.cb)
		if err != nil {
			t.Fatalf("case %d (%s): %v", i, c.reason, err)
		}
		for k := range w {
			if d := ulp.Dist(w[k], c.want[k]); d > 4 {
				t.Errorf("case %d (%s): w[%d] = %v, want %v: %v ulp", i, c.reason, k, w[k], c.want[k], d)
			}
		}
	}
}
