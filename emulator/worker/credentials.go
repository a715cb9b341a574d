package worker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/distribution/reference"

	"github.com/ironlocal/ironlocal/emulator"
)

// maxAuthBytes bounds the credentials blob: a registry login is a few
// hundred bytes; an identity token a few KiB.
const maxAuthBytes = 16 << 10

// dockerHub is the registry images without a registry host come from, as
// references and `docker login` name it.
const dockerHub = "docker.io"

// registryLogin is the JSON inside the base64 "auth" that `iron docker
// login` sends: Docker's own AuthConfig, fields as Docker spells them.
type registryLogin struct {
	Username      string `json:"username"`
	Password      string `json:"password"`
	Email         string `json:"email"`
	ServerAddress string `json:"serveraddress"`
	// Auth is "user:password" in base64, as in ~/.docker/config.json.
	Auth          string `json:"auth"`
	IdentityToken string `json:"identitytoken"`
}

// AddCredentials stores a registry login for the project's tasks (POST
// /credentials, what `iron docker login` sends): auth is the base64 of
// Docker's AuthConfig JSON. A later login to the same registry replaces
// it. Tasks pull images of that registry with it; it is never shown back.
func (s *Service) AddCredentials(ctx context.Context, project, auth string) (emulator.RegistryCredential, error) {
	c, err := parseCredentials(auth)
	if err != nil {
		return c, err
	}
	c.Project, c.CreatedAt = project, s.clock.Now()
	err = s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error { return tx.PutCredential(c) })
	if err != nil {
		return emulator.RegistryCredential{}, err
	}
	s.publish(emulator.Event{Type: emulator.EventCredentialsAdded, Project: project, At: c.CreatedAt,
		Attrs: map[string]any{"registry": c.Registry, "username": c.Username}})
	return c, nil
}

// parseCredentials reads the auth blob into a credential (without its
// project), or says what is wrong with it.
func parseCredentials(auth string) (emulator.RegistryCredential, error) {
	var none emulator.RegistryCredential
	switch {
	case auth == "":
		return none, emulator.Invalid(`auth is required: the base64 of {"username":…,"password":…,"serveraddress":…}`)
	case len(auth) > maxAuthBytes:
		return none, emulator.Invalid("auth is over %d bytes", maxAuthBytes)
	}
	raw, err := decodeBase64(auth)
	if err != nil {
		return none, emulator.Invalid("auth is not base64: %v", err)
	}
	var l registryLogin
	if err := json.Unmarshal(raw, &l); err != nil {
		return none, emulator.Invalid("auth is not the base64 of a JSON object: %v", err)
	}
	if l.Username == "" && l.Auth != "" {
		pair, err := decodeBase64(l.Auth)
		user, pass, ok := strings.Cut(string(pair), ":")
		if err != nil || !ok {
			return none, emulator.Invalid(`auth's "auth" field is not the base64 of user:password`)
		}
		l.Username, l.Password = user, pass
	}
	if l.Username == "" && l.IdentityToken == "" {
		return none, emulator.Invalid("auth holds no username (nor identitytoken)")
	}
	registry, err := registryOfAddress(l.ServerAddress)
	if err != nil {
		return none, err
	}
	return emulator.RegistryCredential{Registry: registry, Username: l.Username, Password: l.Password, Email: l.Email,
		ServerAddress: l.ServerAddress, IdentityToken: l.IdentityToken}, nil
}

// decodeBase64 takes standard or URL-safe base64, padded or not (Docker
// itself writes URL-safe; ironcli standard).
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// registryOfAddress is the registry a login's serveraddress names, as
// image references name it: "https://index.docker.io/v1/" (docker login's
// default, and the empty address) is Docker Hub; otherwise the host[:port].
func registryOfAddress(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return dockerHub, nil
	}
	host := addr
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil || u.Host == "" {
			return "", emulator.Invalid("serveraddress %q is not a registry address", addr)
		}
		host = u.Host
	} else {
		host, _, _ = strings.Cut(addr, "/")
	}
	host = strings.ToLower(host)
	switch host {
	case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com", dockerHub:
		return dockerHub, nil
	}
	if strings.ContainsAny(host, " \x00") || host == "" {
		return "", emulator.Invalid("serveraddress %q is not a registry address", addr)
	}
	return host, nil
}

// RegistryOf is the registry an image reference pulls from: its host[:port],
// "docker.io" for a name without one. ok is false for a reference the
// engine could not pull either.
func RegistryOf(image string) (registry string, ok bool) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", false
	}
	return strings.ToLower(reference.Domain(named)), true
}
