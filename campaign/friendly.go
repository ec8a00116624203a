package campaign

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The friendly product-set form is YAML that compiles to Meta's grammar:
//
//	where:
//	  availability: in stock              # scalar → eq
//	  brand: [Northwind, Fabrikam]        # list → is_any
//	  product_type: {contains: shoes}     # case-insensitive → i_contains
//	  price: {at_least: 20, below: 100}   # major units → gte 2000, lt 10000
//	  none:                               # any / all / none take lists
//	    - custom_label_0: clearance
//
// Keys of one mapping are ANDed. Prices are written in major units of the
// campaign currency and compiled to minor units. Feed names "title" and
// "id" are accepted for Meta's "name" and "retailer_id".
var friendlyOps = map[string]string{
	"is":           "eq",
	"is_not":       "neq",
	"in":           "is_any",
	"not_in":       "is_not_any",
	"contains":     "i_contains",
	"not_contains": "i_not_contains",
	"has_words":    "contains",
	"lacks_words":  "not_contains",
	"starts_with":  "i_starts_with",
	"below":        "lt",
	"at_most":      "lte",
	"above":        "gt",
	"at_least":     "gte",
	"between":      "", // two values → gte and lte
}

// friendlyOperators lists the friendly operator names, sorted.
var friendlyOperators = func() []string {
	var out []string
	for k := range friendlyOps {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}()

var friendlyGroups = map[string]string{"all": "and", "any": "or", "none": "not"}

// CompileFriendly compiles the friendly YAML form (the value of `where:`)
// to a Filter. currency decides how major-unit prices become minor units.
func CompileFriendly(src []byte, currency string) (*Filter, error) {
	var y yaml.Node
	if err := yaml.Unmarshal(src, &y); err != nil {
		return nil, err
	}
	n, err := yamlToRnode(&y)
	if err != nil {
		return nil, err
	}
	return compileWhere(n, currency)
}

func compileWhere(n *rnode, currency string) (*Filter, error) {
	conds, err := compileWhereList(n, currency, 0)
	if err != nil {
		return nil, err
	}
	return andOf(conds, n), nil
}

// andOf joins conditions, splicing nested "and" groups into one so the
// compiled JSON stays flat.
func andOf(conds []*Filter, n *rnode) *Filter {
	if len(conds) == 1 {
		return conds[0]
	}
	var flat []*Filter
	for _, c := range conds {
		if c.Group == "and" {
			flat = append(flat, c.Members...)
		} else {
			flat = append(flat, c)
		}
	}
	return &Filter{Group: "and", Members: flat, Line: n.line, Column: n.col}
}

func compileWhereList(n *rnode, cur string, depth int) ([]*Filter, error) {
	if depth > 32 {
		return nil, perr(n, "", "conditions nested more than 32 levels")
	}
	switch n.kind {
	case rList:
		if len(n.items) == 0 {
			return nil, perr(n, "", "empty list of conditions")
		}
		var out []*Filter
		for _, it := range n.items {
			c, err := compileWhereList(it, cur, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, andOf(c, it))
		}
		return out, nil
	case rMap:
		if len(n.keys) == 0 {
			return nil, perr(n, "", "empty set of conditions")
		}
		var out []*Filter
		for i, k := range n.keys {
			v := n.items[i]
			if g, ok := friendlyGroups[k.str]; ok {
				if v.kind != rList && v.kind != rMap {
					return nil, perr(v, "", "%q takes a list of conditions, got %s", k.str, describe(v))
				}
				var members []*Filter
				if v.kind == rMap {
					c, err := compileWhereList(v, cur, depth+1)
					if err != nil {
						return nil, err
					}
					// a mapping under any/none lists alternatives, one per key
					members = c
				} else {
					for _, it := range v.items {
						c, err := compileWhereList(it, cur, depth+1)
						if err != nil {
							return nil, err
						}
						members = append(members, andOf(c, it))
					}
				}
				out = append(out, &Filter{Group: g, Members: members, Line: k.line, Column: k.col})
				continue
			}
			if slices.Contains(groupOps, k.str) {
				return nil, perr(k, fmt.Sprintf("use %q in the friendly form, or put Meta JSON under filter:", map[string]string{"and": "all", "or": "any", "not": "none"}[k.str]), "%q is Meta grammar", k.str)
			}
			conds, err := compileCondition(k, v, cur)
			if err != nil {
				return nil, err
			}
			out = append(out, andOf(conds, k))
		}
		return out, nil
	}
	return nil, perr(n, "", "conditions must be a mapping like {brand: Acme} or a list of them, got %s", describe(n))
}

func compileCondition(k, v *rnode, cur string) ([]*Filter, error) {
	name := k.str
	if a, ok := feedAliases[name]; ok {
		name = a
	}
	fd, ok := lookupField(name)
	if !ok {
		keys := append(append([]string{}, filterFields...), "all", "any", "none", "title", "id")
		return nil, perr(k, suggest(k.str, keys), "unknown filter field %q", k.str)
	}
	mk := func(op string, vals []Literal, list bool, at *rnode) *Filter {
		f := &Filter{Field: fd.name, Operator: op, Values: vals, IsList: list, Line: at.line, Column: at.col}
		f.prepare()
		return f
	}
	switch v.kind {
	case rString, rNumber:
		l, err := friendlyLiteral(fd, v, cur)
		if err != nil {
			return nil, err
		}
		return []*Filter{mk("eq", []Literal{l}, false, k)}, nil
	case rList:
		vals, err := friendlyLiterals(fd, v, cur)
		if err != nil {
			return nil, err
		}
		return []*Filter{mk("is_any", vals, true, k)}, nil
	case rMap:
		if len(v.keys) == 0 {
			return nil, perr(v, "", "no operator for %q", k.str)
		}
		var out []*Filter
		for i, opn := range v.keys {
			arg := v.items[i]
			op, ok := friendlyOps[opn.str]
			if !ok {
				if slices.Contains(operators, opn.str) {
					var alt []string
					for fo, mo := range friendlyOps {
						if mo == opn.str {
							alt = append(alt, fo)
						}
					}
					slices.Sort(alt)
					return nil, perr(opn, fmt.Sprintf("write %s here, or put Meta JSON under filter:", strings.Join(alt, " / ")), "%q is a Meta operator; the friendly form uses its own names and major-unit prices", opn.str)
				}
				return nil, perr(opn, suggest(opn.str, friendlyOperators), "unknown operator %q (want one of %s)", opn.str, oneOf(friendlyOperators))
			}
			switch {
			case opn.str == "between":
				if arg.kind != rList || len(arg.items) != 2 {
					return nil, perr(arg, "write between: [20, 100]", "between takes a list of two values")
				}
				vals, err := friendlyLiterals(fd, arg, cur)
				if err != nil {
					return nil, err
				}
				for _, x := range []*Filter{mk("gte", vals[:1], false, opn), mk("lte", vals[1:], false, opn)} {
					if err := checkCompiled(x, opn); err != nil {
						return nil, err
					}
					out = append(out, x)
				}
				continue
			case op == "is_any" || op == "is_not_any":
				var vals []Literal
				var err error
				if arg.kind == rList {
					vals, err = friendlyLiterals(fd, arg, cur)
				} else {
					var l Literal
					l, err = friendlyLiteral(fd, arg, cur)
					vals = []Literal{l}
				}
				if err != nil {
					return nil, err
				}
				out = append(out, mk(op, vals, true, opn))
				continue
			}
			if !arg.isScalar() || arg.kind == rBool {
				return nil, perr(arg, "", "%q takes a single value, got %s", opn.str, describe(arg))
			}
			l, err := friendlyLiteral(fd, arg, cur)
			if err != nil {
				return nil, err
			}
			x := mk(op, []Literal{l}, false, opn)
			if err := checkCompiled(x, opn); err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	return nil, perr(v, "", "condition on %q must be a value, a list or an operator mapping, got %s", k.str, describe(v))
}

// checkCompiled re-runs the grammar's own checks (numeric operators on text
// fields, starts_with on categories) on a compiled condition so both forms
// reject the same things.
func checkCompiled(f *Filter, at *rnode) error {
	b, err := f.JSON()
	if err != nil {
		return perr(at, "", "%v", err)
	}
	if _, err := ParseFilter(b); err != nil {
		pe, _ := err.(*posError)
		if pe != nil {
			return &posError{Line: at.line, Column: at.col, Msg: pe.Msg, Suggestion: pe.Suggestion}
		}
		return perr(at, "", "%v", err)
	}
	return nil
}

func friendlyLiterals(fd filterField, v *rnode, cur string) ([]Literal, error) {
	if len(v.items) == 0 {
		return nil, perr(v, "", "empty list")
	}
	var out []Literal
	for _, it := range v.items {
		l, err := friendlyLiteral(fd, it, cur)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func friendlyLiteral(fd filterField, v *rnode, cur string) (Literal, error) {
	if !v.isScalar() || v.kind == rBool {
		return Literal{}, perr(v, "", "expected a value, got %s", describe(v))
	}
	switch fd.kind {
	case fPrice:
		s := strings.TrimSpace(v.scalarText())
		if m, ok := parsePrice(s); ok && m.Currency != "" {
			if cur != "" && m.Currency != strings.ToUpper(cur) {
				return Literal{}, perr(v, "", "price %q is not in the campaign currency %s", s, cur)
			}
			units, ok := offsetUnits(m)
			if !ok {
				return Literal{}, perr(v, "", "price %q is too large", s)
			}
			return Literal{Text: fmt.Sprint(units), IsNumber: true}, nil
		}
		minor, ok := parseDecimalMinor(s, metaDecimals(cur))
		if !ok {
			return Literal{}, perr(v, "write 49.99", "price %q is not a number in major units", s)
		}
		return Literal{Text: fmt.Sprint(minor), IsNumber: true}, nil
	case fNumber:
		if v.kind != rNumber {
			return Literal{}, perr(v, "", "%s is a number field; %q is not a number", fd.name, v.scalarText())
		}
		return Literal{Text: v.str, IsNumber: true}, nil
	}
	return Literal{Text: v.scalarText()}, nil
}
