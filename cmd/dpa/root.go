package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

// app carries what every command needs: streams, clock, global flags and
// the loaded configuration. Tests build one with buffers and a fixed clock.
type app struct {
	IO      *render.Streams
	Now     func() time.Time
	Quiet   bool
	Color   string
	Config  string // --config path
	cfg     *viper.Viper
	cfgPath string // the file actually loaded, "" if none
}

// run executes dpa with args and returns the exit code. main and the
// end-to-end tests share it.
func run(ctx context.Context, args []string, io *render.Streams, now func() time.Time) int {
	a := &app{IO: io, Now: now}
	ctx, closeSpools := withSpools(ctx)
	defer closeSpools()
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	cmd, err := checkCommandPath(root, args)
	if err == nil {
		cmd, err = root.ExecuteContextC(ctx)
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	code := exitCode(err)
	switch code {
	case exitOK:
	case exitInterrupted:
		fmt.Fprintln(io.ErrOut, "dpa: interrupted")
	case exitFindings:
		if !a.Quiet {
			fmt.Fprintln(io.ErrOut, "dpa: "+err.Error())
		}
	default:
		fmt.Fprintln(io.ErrOut, "dpa: "+err.Error())
		var ue *usageError
		if errors.As(err, &ue) {
			hint := ue.hint
			if hint == "" && cmd != nil {
				hint = fmt.Sprintf("run '%s --help' for usage", cmd.CommandPath())
			}
			fmt.Fprintln(io.ErrOut, hint)
		}
	}
	return code
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "dpa",
		Short: "Check, fix, simulate and export Dynamic Product Ads catalogs",
		Long: `dpa checks product feeds for Meta, Google, TikTok, Pinterest and Snapchat
before the platform rejects them, and turns them into clean channel feeds.

EXIT STATUS
  0    success: nothing at or above the --fail-on level
  1    findings at or above the --fail-on level (or a threshold was passed)
  2    usage error, bad configuration or unreadable input
  130  interrupted

ENVIRONMENT
  DPA_<FLAG>          default for a flag of any command (DPA_CHANNEL=google)
  DPA_<CMD>_<FLAG>    default for one command's flag (DPA_VALIDATE_FAIL_ON=warning)
  NO_COLOR            no colour
  CLICOLOR_FORCE=1    colour even when not writing to a terminal
  CI                  no progress line`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := a.loadConfig(cmd); err != nil {
				return err
			}
			return checkFloatFlags(cmd)
		},
	}
	ver, commit := buildInfo()
	root.Version = ver
	if commit != "" {
		root.Version += " (commit " + commit + ")"
	}
	root.PersistentFlags().StringVar(&a.Config, "config", "", "config file (default ./dpa.yaml when present)")
	root.PersistentFlags().BoolVarP(&a.Quiet, "quiet", "q", false, "no progress or summaries on stderr")
	root.PersistentFlags().StringVar(&a.Color, "color", "auto", "colour: auto|always|never")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		newValidateCmd(a, nil),
		newRulesCmd(a, nil),
		newGenerateCmd(a),
		newVersionCmd(a),
		newDocsCmd(a),
		newNormalizeCmd(a, nil),
		newConvertCmd(a, nil),
		newDiffCmd(a, nil),
		newStatsCmd(a, nil),
		newExportCmd(a, nil),
		newInitCmd(a, nil),
		newEventsCmd(a),
		newMergeCmd(a, nil),
		newRecommendCmd(a, nil),
		newSimulateCmd(a, nil),
		newModelCmd(a),
	)
	return root
}

// usageArgs turns cobra's argument validation errors into usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &usageError{err: err}
		}
		return nil
	}
}

// knownTopKeys are the sections dpa.yaml may have besides flag names.
var knownTopKeys = []string{"rules", "mapping", "events", "validate", "normalize", "stats", "diff", "simulate", "recommend", "export", "generate"}

// loadConfig applies dpa.yaml and DPA_* env vars to every flag the user
// did not set, so the precedence is flag > env > file > default and the
// options structs stay the single source of truth.
func (a *app) loadConfig(cmd *cobra.Command) error {
	mode, err := render.ParseColorMode(a.Color)
	if err != nil {
		return &usageError{err: fmt.Errorf("invalid --color: %w", err)}
	}
	a.IO.Color = mode

	file := viper.New()
	path := a.Config
	if path == "" {
		if _, err := os.Stat("dpa.yaml"); err == nil {
			path = "dpa.yaml"
		}
	}
	if path != "" {
		file.SetConfigFile(path)
		file.SetConfigType("yaml")
		if err := file.ReadInConfig(); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return &usageError{err: fmt.Errorf("config file %s: not found", path)}
			}
			return &usageError{err: fmt.Errorf("config file %s: %w", path, err)}
		}
		a.cfgPath = path
		// Which config shaped this run is not visible in the command line;
		// say it, so a stray dpa.yaml in the working directory is noticed.
		if !a.Quiet {
			fmt.Fprintf(cmd.ErrOrStderr(), "dpa: using config %s\n", path)
		}
		if err := checkConfigKeys(cmd.Root(), file); err != nil {
			return &usageError{err: fmt.Errorf("config file %s: %w", path, err)}
		}
	}
	a.cfg = file
	env := viper.New()
	env.SetEnvPrefix("DPA")
	env.SetEnvKeyReplacer(strings.NewReplacer("-", "_", ".", "_"))
	env.AutomaticEnv()

	name := cmd.Name()
	var firstErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" || f.Name == "config" || firstErr != nil {
			return
		}
		keys := []string{name + "." + f.Name, f.Name}
		for _, src := range []*viper.Viper{env, file} {
			for _, k := range keys {
				if !src.IsSet(k) {
					continue
				}
				origin := "environment variable DPA_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(k))
				if src == file {
					origin = fmt.Sprintf("%s key %q", path, k)
				}
				val := src.Get(k)
				if _, isSection := val.(map[string]any); isSection {
					continue // a section such as events: {mapping: ...}, not a flag value
				}
				if err := setFlag(f, val); err != nil {
					firstErr = &usageError{err: fmt.Errorf("%s: invalid value for --%s: %w", origin, f.Name, err)}
				}
				return
			}
		}
	})
	return firstErr
}

func setFlag(f *pflag.Flag, v any) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		var items []string
		switch t := v.(type) {
		case []any:
			for _, x := range t {
				items = append(items, fmt.Sprint(x))
			}
		case []string:
			items = t
		default:
			items = strings.Split(fmt.Sprint(t), ",")
		}
		return sv.Replace(items)
	}
	return f.Value.Set(fmt.Sprint(v))
}

// checkConfigKeys rejects unknown top-level keys so a typo in dpa.yaml is
// an error, not a silently ignored setting.
func checkConfigKeys(root *cobra.Command, file *viper.Viper) error {
	known := slices.Clone(knownTopKeys)
	var collect func(c *cobra.Command)
	collect = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { known = append(known, f.Name) })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { known = append(known, f.Name) })
		for _, s := range c.Commands() {
			known = append(known, s.Name())
			collect(s)
		}
	}
	collect(root)
	var unknown []string
	for k := range file.AllSettings() {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	if len(unknown) > 0 {
		msg := fmt.Sprintf("unknown key %q", unknown[0])
		if s := feed.Closest(unknown[0], known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return errors.New(msg)
	}
	return nil
}

// oneOf validates an enumerated flag value kubectl-style.
func oneOf(flag, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return usageErr("invalid --%s %q: allowed values are %s", flag, v, strings.Join(allowed, ", "))
}

// fixedCompletion completes a flag from a fixed list of values.
func fixedCompletion(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}
