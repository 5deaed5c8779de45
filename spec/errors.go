package spec

import "fmt"

// InputError reports an invalid configuration or batch. Field is the
// field's name as the eval protocol spells it ("logits", "cb.counts"), and
// Index the position in that array, or -1 for a scalar field.
type InputError struct {
	Field string
	Index int
	Msg   string
}

func (e *InputError) Error() string {
	if e.Index < 0 {
		return e.Field + ": " + e.Msg
	}
	return fmt.Sprintf("%s[%d]: %s", e.Field, e.Index, e.Msg)
}

func inputErr(field string, index int, format string, args ...any) *InputError {
	return &InputError{Field: field, Index: index, Msg: fmt.Sprintf(format, args...)}
}
