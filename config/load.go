package config

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// Load builds the configuration from args (without the program name) and
// the environment lookup function: the defaults, then the YAML file, then
// the IMAGEGW_* variables, then the flags, each key of the table from each
// source. It then reads the service credentials and resolves the result.
func Load(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	cfg := Defaults()
	ks := keys()
	flags, path, err := parseFlags(args, ks, stderr)
	if err != nil {
		return cfg, err
	}
	if path == "" {
		path = getenv(envName(configFileKey))
	}
	if path != "" {
		if err := loadFile(path, &cfg, ks); err != nil {
			return cfg, err
		}
	}
	for _, k := range ks {
		if v := getenv(k.env()); v != "" {
			if err := k.bind.set(&cfg, v); err != nil {
				return cfg, fmt.Errorf("config: %s (%s): %w", k.name, k.env(), err)
			}
		}
	}
	for _, f := range flags {
		if err := f.key.bind.set(&cfg, f.value); err != nil {
			return cfg, fmt.Errorf("config: %s (--%s): %w", f.key.name, f.key.flag(), err)
		}
	}
	if err := applyFallbacks(&cfg, ks, getenv); err != nil {
		return cfg, err
	}
	cfg.Service = serviceAuthFromEnv(getenv)
	if cfg.OperatorListen == NoOperatorListen {
		cfg.OperatorListen = ""
	}
	return cfg, cfg.Resolve()
}

// flagValue is a flag as given, parsed only once the file and the
// environment are applied: flags come first on the command line but win.
type flagValue struct {
	key   key
	value string
}

// parseFlags defines a flag per key (a bare --name for booleans) and
// returns the flags given, in order, and the --config path.
func parseFlags(args []string, ks []key, stderr io.Writer) (set []flagValue, path string, err error) {
	fs := flag.NewFlagSet("imagegw", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&path, configFileKey, "", configFileHelp+" (env "+envName(configFileKey)+")")
	for _, k := range ks {
		record := func(s string) error {
			set = append(set, flagValue{k, s})
			return nil
		}
		if k.bind.isBool() {
			fs.BoolFunc(k.flag(), usage(k), record)
		} else {
			fs.Func(k.flag(), usage(k), record)
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	if fs.NArg() > 0 {
		return nil, "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return set, path, nil
}

// usage is a flag's help: the key's, the kind of value (back-quoted for
// the flag package to show it after the flag), its variables and default.
func usage(k key) string {
	kind := k.bind.kind()
	if !k.bind.isBool() { // a bare boolean flag takes no value to name
		kind = "`" + kind + "`"
	}
	s := k.help + " (" + kind + "; env " + k.env()
	if k.fallback != "" {
		s += " or " + k.fallback
	}
	if k.def != "" {
		s += "; default " + k.def
	}
	return s + ")"
}

// applyFallbacks gives keys no source set their shared variable (OS_CLOUD
// for cloud), which therefore ranks below the file, unlike IMAGEGW_*.
func applyFallbacks(c *Config, ks []key, getenv func(string) string) error {
	for _, k := range ks {
		if k.fallback == "" || !k.bind.isZero(*c) {
			continue
		}
		if v := getenv(k.fallback); v != "" {
			if err := k.bind.set(c, v); err != nil {
				return fmt.Errorf("config: %s (%s): %w", k.name, k.fallback, err)
			}
		}
	}
	return nil
}

// loadFile applies the YAML file at path.
func loadFile(path string, c *Config, ks []key) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := decodeYAML(data, c, ks); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}
