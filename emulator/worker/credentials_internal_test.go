package worker

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

func TestParseCredentials(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name, auth string
		want       emulator.RegistryCredential
		err        string
	}{
		{name: "ironcli's login", auth: b64([]byte(`{"email":"a@b.c","username":"u","password":"p","serveraddress":"127.0.0.1:5000"}`)),
			want: emulator.RegistryCredential{Registry: "127.0.0.1:5000", Username: "u", Password: "p", Email: "a@b.c", ServerAddress: "127.0.0.1:5000"}},
		{name: "docker hub by its v1 address", auth: b64([]byte(`{"username":"u","password":"p","serveraddress":"https://index.docker.io/v1/"}`)),
			want: emulator.RegistryCredential{Registry: "docker.io", Username: "u", Password: "p", ServerAddress: "https://index.docker.io/v1/"}},
		{name: "no address is docker hub", auth: b64([]byte(`{"username":"u","password":"p"}`)),
			want: emulator.RegistryCredential{Registry: "docker.io", Username: "u", Password: "p"}},
		{name: "url-safe, unpadded, auth pair, host with path", auth: base64.RawURLEncoding.EncodeToString([]byte(`{"auth":"` + b64([]byte("me:s3cr?t")) + `","serveraddress":"https://Reg.Example:8443/v2/"}`)),
			want: emulator.RegistryCredential{Registry: "reg.example:8443", Username: "me", Password: "s3cr?t", ServerAddress: "https://Reg.Example:8443/v2/"}},
		{name: "empty", auth: "", err: "auth is required"},
		{name: "not base64", auth: "%%%", err: "not base64"},
		{name: "not JSON", auth: b64([]byte("user:pass")), err: "not the base64 of a JSON object"},
		{name: "no user", auth: b64([]byte(`{"password":"p"}`)), err: "no username"},
		{name: "bad pair", auth: b64([]byte(`{"auth":"` + b64([]byte("nocolon")) + `"}`)), err: "user:password"},
		{name: "bad address", auth: b64([]byte(`{"username":"u","serveraddress":"http://"}`)), err: "not a registry address"},
		{name: "huge", auth: string(make([]byte, maxAuthBytes+1)), err: "over"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCredentials(tc.auth)
			if tc.err != "" {
				require.ErrorIs(t, err, emulator.ErrInvalid)
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestRegistryOf(t *testing.T) {
	for image, want := range map[string]string{
		"alpine":                        "docker.io",
		"iron/hello:latest":             "docker.io",
		"127.0.0.1:5000/worker:1":       "127.0.0.1:5000",
		"ghcr.io/acme/w@sha256:" + sha0: "ghcr.io",
		"localhost/w":                   "localhost",
	} {
		got, ok := RegistryOf(image)
		require.True(t, ok, image)
		require.Equal(t, want, got, image)
	}
	_, ok := RegistryOf("UPPER/Case")
	require.False(t, ok)
}

const sha0 = "0000000000000000000000000000000000000000000000000000000000000000"

func TestSplitCommandLine(t *testing.T) {
	for line, want := range map[string][]string{
		"dlv exec --listen=:$(DEBUG_PORT) /w --": {"dlv", "exec", "--listen=:$(DEBUG_PORT)", "/w", "--"},
		`  node  --inspect "a b" 'c "d"' e\ f  `: {"node", "--inspect", "a b", `c "d"`, "e f"},
		`x ""`:                                   {"x", ""},
		"":                                       nil,
	} {
		require.Equal(t, want, splitCommandLine(line), line)
	}
}
