// Command liandong is the call-control gateway of the 12345 government
// service hotline and its link with the 110 police desk: one binary with the
// subcommands serve, demo, kb, doctor and version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // KPI days in Asia/Shanghai on hosts without a zone database

	"github.com/redis/go-redis/v9"
)

type quietRedisLogger struct{}

func (quietRedisLogger) Printf(context.Context, string, ...any) {}

func main() {
	// SIGINT stops now; SIGTERM drains live calls first; SIGHUP reloads.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	env := &env{
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		environ: os.Environ(),
		drain:   notifyOnce(syscall.SIGTERM),
		reload:  notifyEach(syscall.SIGHUP),
	}
	os.Exit(run(ctx, env, os.Args[1:]))
}

// env is what a subcommand may touch of the outside world, so tests can run
// commands in-process.
type env struct {
	stdout, stderr io.Writer
	environ        []string
	// drain is closed when the process is asked to finish gracefully.
	drain <-chan struct{}
	// reload receives one value per reload request.
	reload <-chan struct{}
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the gateway against Asterisk (ARI) and Redis from the config", runServe},
		{"demo", "run the whole system on loopback with embedded defaults, no outside setup", runDemo},
		{"kb", "knowledge base: import, export, eval", runKB},
		{"report", "KPIs of a day or a month (table or JSON)", runReport},
		{"tail", "follow the call-event, work-order and feedback streams", runTail},
		{"prompts", "regenerate the prompt wav files from the IVR texts (espeak-ng, sox)", runPrompts},
		{"pbxsim", "run the ARI-compatible Asterisk emulator on its own", runPbxsim},
		{"bench", "benchmarks: calls, kb, calllog", runBench},
		{"doctor", "check the config and whether ARI and Redis are reachable; say how to fix what is not", runDoctor},
		{"version", "print the version", runVersion},
	}
}

// errUsage marks a usage error (exit status 2); its text has been printed.
var errUsage = errors.New("usage error")

// usageError is a usage error with a message to print.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return errUsage }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

func run(ctx context.Context, e *env, args []string) int {
	// go-redis reports its own dial failures on a global logger; the
	// commands report them once, with a fix, through their own errors.
	redis.SetLogger(quietRedisLogger{})
	if len(args) == 0 {
		printUsage(e.stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			return run(ctx, e, []string{args[1], "--help"})
		}
		printUsage(e.stdout)
		return 0
	case "--version", "-version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil || errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage) || isConfigError(err):
			fmt.Fprintf(e.stderr, "liandong %s: %v\n", name, err)
			return 2
		default:
			fmt.Fprintf(e.stderr, "liandong %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "liandong: unknown command %q\n\n", name)
	printUsage(e.stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "liandong: the 12345 hotline's call-control gateway, linked with 110.")
	fmt.Fprintln(w, "\nUsage: liandong <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'liandong <command> --help' for a command's flags.")
}

// flagSet is a subcommand's flags with the text its --help prints.
type flagSet struct {
	*flag.FlagSet
	e                     *env
	name, synopsis, about string
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(e *env, name, synopsis, about string) *flagSet {
	fs := flag.NewFlagSet("liandong "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// The flag package calls Usage on every parse error too; parseFlags
	// prints usage only for --help, so a mistake gets one clear line.
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, e: e, name: name, synopsis: synopsis, about: about}
}

// printUsage prints the command's usage and flags to stdout.
func (fs *flagSet) printUsage() {
	w := fs.e.stdout
	fmt.Fprintf(w, "Usage: liandong %s %s\n\n%s\n\nFlags:\n", fs.name, fs.synopsis, fs.about)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// parseFlags parses args; --help prints usage and returns flag.ErrHelp; a bad
// flag returns a usage error naming it.
func parseFlags(fs *flagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.printUsage()
		return flag.ErrHelp
	default:
		return usagef("%v (see --help)", strings.TrimSpace(err.Error()))
	}
}

func notifyOnce(sig os.Signal) <-chan struct{} {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig)
	done := make(chan struct{})
	go func() {
		<-ch
		close(done)
	}()
	return done
}

func notifyEach(sig os.Signal) <-chan struct{} {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig)
	out := make(chan struct{}, 1)
	go func() {
		for range ch {
			select {
			case out <- struct{}{}:
			default:
			}
		}
	}()
	return out
}
