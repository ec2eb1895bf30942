// Package config loads a process's settings from defaults, an optional file
// and the environment through viper, behind one call.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// Load fills cfg (a pointer to a struct whose fields carry `mapstructure:"key"`
// tags and whose default values are already set) from, in rising precedence:
// the struct defaults, the file named by PREFIX_CONFIG_FILE, and the env
// variables PREFIX_KEY (nested keys joined by "_"). Fields tagged
// `shared:"true"` also read the unprefixed KEY, after the prefixed one.
// Durations ("5s") and comma-separated string slices decode.
func Load(prefix string, cfg any) error {
	rv := reflect.ValueOf(cfg)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("%w: got %T", ErrNotStruct, cfg)
	}
	prefix = strings.ToUpper(strings.TrimSuffix(prefix, "_"))
	v := viper.New()
	// Every key must be bound explicitly: viper's Unmarshal ignores
	// AutomaticEnv for keys it has not seen.
	var bindErr error
	walk(rv.Elem().Type(), "", false, func(key string, f reflect.StructField, shared bool) {
		envKey := strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		names := []string{key, prefix + "_" + envKey}
		if prefix == "" {
			names = names[:1:1]
			names = append(names, envKey)
		} else if shared {
			names = append(names, envKey)
		}
		if err := v.BindEnv(names...); err != nil && bindErr == nil {
			bindErr = fmt.Errorf("bind %s: %w", key, err)
		}
	})
	if bindErr != nil {
		return bindErr
	}
	if file := os.Getenv(prefix + "_CONFIG_FILE"); prefix != "" && file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return fmt.Errorf("read config file %s: %w", file, err)
		}
	}
	err := v.Unmarshal(cfg, func(dc *mapstructure.DecoderConfig) {
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			trimmedSliceHook,
		)
		dc.WeaklyTypedInput = true
	})
	if err != nil {
		return fmt.Errorf("decode %s settings: %w", prefix, err)
	}
	return nil
}

// trimmedSliceHook splits "a, b,,c" into ["a","b","c"] for []string fields;
// an empty string yields an empty slice rather than [""].
func trimmedSliceHook(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String || to.Kind() != reflect.Slice || to.Elem().Kind() != reflect.String {
		return data, nil
	}
	out := []string{}
	for _, s := range strings.Split(data.(string), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

var durationType = reflect.TypeOf(time.Duration(0))

// keyOf returns the mapstructure key of f (its lowercased name when untagged)
// and whether it is squashed into the parent.
func keyOf(f reflect.StructField) (key string, squash, skip bool) {
	tag := f.Tag.Get("mapstructure")
	name, opts, _ := strings.Cut(tag, ",")
	if name == "-" {
		return "", false, true
	}
	squash = strings.Contains(opts, "squash") || (f.Anonymous && name == "")
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return strings.ToLower(name), squash, false
}

// walk calls leaf for every settable leaf field of t, with its dotted key.
func walk(t reflect.Type, parent string, sharedParent bool, leaf func(key string, f reflect.StructField, shared bool)) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key, squash, skip := keyOf(f)
		if skip {
			continue
		}
		shared := sharedParent || f.Tag.Get("shared") == "true"
		full := key
		if parent != "" {
			full = parent + "." + key
		}
		ft := f.Type
		if ft.Kind() == reflect.Struct && ft != durationType && ft != reflect.TypeOf(time.Time{}) {
			if squash {
				walk(ft, parent, shared, leaf)
			} else {
				walk(ft, full, shared, leaf)
			}
			continue
		}
		leaf(full, f, shared)
	}
}

// Mask is what Masked shows in place of a secret.
const Mask = "****"

// Masked returns cfg as a map fit for logging: fields tagged `secret:"true"`
// become "****" (when set) and passwords inside URL-valued strings are masked.
func Masked(cfg any) map[string]any {
	rv := reflect.ValueOf(cfg)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return map[string]any{}
		}
		rv = rv.Elem()
	}
	out := map[string]any{}
	if rv.Kind() != reflect.Struct {
		return out
	}
	maskStruct(rv, out)
	return out
}

func maskStruct(rv reflect.Value, out map[string]any) {
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key, squash, skip := keyOf(f)
		if skip {
			continue
		}
		fv := rv.Field(i)
		if fv.Kind() == reflect.Struct && fv.Type() != durationType && fv.Type() != reflect.TypeOf(time.Time{}) {
			if squash {
				maskStruct(fv, out)
			} else {
				sub := map[string]any{}
				maskStruct(fv, sub)
				out[key] = sub
			}
			continue
		}
		if f.Tag.Get("secret") == "true" {
			if fv.IsZero() {
				out[key] = ""
			} else {
				out[key] = Mask
			}
			continue
		}
		out[key] = maskValue(fv)
	}
}

func maskValue(fv reflect.Value) any {
	switch {
	case fv.Type() == durationType:
		return time.Duration(fv.Int()).String()
	case fv.Kind() == reflect.String:
		return MaskURL(fv.String())
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
		s := make([]string, fv.Len())
		for i := range s {
			s[i] = MaskURL(fv.Index(i).String())
		}
		return s
	default:
		return fv.Interface()
	}
}

// MaskURL replaces the password of a URL with "****"; other strings are
// returned unchanged.
func MaskURL(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		// Unparseable but URL-like: do not risk printing a password.
		if strings.Contains(s, "@") {
			return Mask
		}
		return s
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Mask)
			return strings.Replace(u.String(), url.QueryEscape(Mask), Mask, 1)
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", Mask)
		u.RawQuery = q.Encode()
		return strings.Replace(u.String(), url.QueryEscape(Mask), Mask, 1)
	}
	return s
}

// ErrNotStruct is returned by Load when cfg is not a pointer to a struct.
var ErrNotStruct = errors.New("config: not a struct pointer")
