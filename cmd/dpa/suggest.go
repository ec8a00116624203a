package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dpa-tools/dpa/feed"
)

// checkCommandPath walks args the way cobra's Find does (flags skipped,
// each word matched against the current command's subcommands) and stops
// at the first word that names no subcommand of a command that only groups
// others (dpa, dpa events, dpa model, dpa docs). It returns the command it
// stopped at and a usage error with a did-you-mean.
//
// Cobra itself only suggests for the root, and it parses the group's flags
// before looking at the word, so `dpa events chek --events x` reported
// "unknown flag --events" instead of the misspelt subcommand. Running this
// before cobra puts the real mistake first.
func checkCommandPath(root *cobra.Command, args []string) (*cobra.Command, error) {
	if len(args) > 0 && strings.HasPrefix(args[0], "__complete") {
		return nil, nil // shell completion requests, added by cobra on the fly
	}
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd(args...)
	cmd := root
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			return nil, nil
		case strings.HasPrefix(arg, "-") && len(arg) > 1:
			takesValue, known := flagTakesValue(cmd, arg)
			if !known {
				return nil, nil // cobra reports it, with a flag suggestion
			}
			if takesValue {
				i++
			}
			continue
		}
		if !hasSubcommands(cmd) {
			return nil, nil // a positional argument of a leaf command
		}
		next := findSubcommand(cmd, arg)
		if next == nil {
			err := fmt.Errorf("unknown command %q for %q", arg, cmd.CommandPath())
			hint := fmt.Sprintf("run '%s --help' for usage", cmd.CommandPath())
			if s := closestCommand(cmd, arg); s != "" {
				hint = fmt.Sprintf("Did you mean %q?\n%s", s, hint)
			}
			return cmd, &usageError{err: err, hint: hint}
		}
		cmd = next
	}
	return nil, nil
}

func hasSubcommands(c *cobra.Command) bool {
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() || s.Name() == "help" {
			return true
		}
	}
	return false
}

func findSubcommand(c *cobra.Command, name string) *cobra.Command {
	for _, s := range c.Commands() {
		if s.Name() == name || s.HasAlias(name) {
			return s
		}
	}
	return nil
}

// closestCommand is the visible subcommand of c nearest to typed: cobra's
// own suggestions (edit distance, prefix, SuggestFor) first, then dpa's
// shared edit-distance helper.
func closestCommand(c *cobra.Command, typed string) string {
	c.SuggestionsMinimumDistance = 2
	if s := c.SuggestionsFor(typed); len(s) > 0 {
		return s[0]
	}
	var names []string
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() {
			names = append(names, s.Name())
		}
	}
	return feed.Closest(typed, names)
}

// flagTakesValue reports whether the flag token arg, as seen by cmd
// (its own flags and its ancestors' persistent ones), consumes the next
// word, and whether the flag is known at all.
func flagTakesValue(cmd *cobra.Command, arg string) (takesValue, known bool) {
	name, hasValue := strings.TrimLeft(arg, "-"), strings.Contains(arg, "=")
	name, _, _ = strings.Cut(name, "=")
	if name == "help" || name == "h" || name == "version" {
		return false, true // added by cobra at execution time
	}
	var f *pflag.Flag
	short := !strings.HasPrefix(arg, "--")
	for c := cmd; c != nil && f == nil; c = c.Parent() {
		sets := []*pflag.FlagSet{c.PersistentFlags()}
		if c == cmd {
			sets = append(sets, c.Flags())
		}
		for _, fs := range sets {
			if short {
				if len(name) == 0 {
					continue
				}
				f = fs.ShorthandLookup(name[:1])
				if f != nil && len(name) > 1 && f.NoOptDefVal == "" {
					return false, true // -ojson: the value is attached
				}
			} else {
				f = fs.Lookup(name)
			}
			if f != nil {
				break
			}
		}
	}
	if f == nil {
		return false, false
	}
	return !hasValue && f.NoOptDefVal == "", true
}

// flagError turns pflag's unknown-flag error into a usage error whose hint
// names the closest flag the command accepts, inherited ones included
// (`--chanel` → `Did you mean --channel?`).
func flagError(c *cobra.Command, err error) error {
	hint := fmt.Sprintf("run '%s --help' for usage", c.CommandPath())
	var ne *pflag.NotExistError
	if errors.As(err, &ne) && ne.GetSpecifiedShortnames() == "" {
		var names []string
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		c.InheritedFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		if s := feed.Closest(ne.GetSpecifiedName(), names); s != "" {
			hint = fmt.Sprintf("Did you mean --%s?\n%s", s, hint)
		}
	}
	return &usageError{err: err, hint: hint}
}
