package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
)

// JWK is one public key in JWKS form; EventAI only publishes Ed25519 (OKP) keys.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// PublicJWK returns the JWK of an Ed25519 public key with the given kid.
func PublicJWK(pub ed25519.PublicKey, kid string) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: kid, Use: "sig", Alg: "EdDSA"}
}

// KeyID derives a stable kid from a public key: its RFC 7638 thumbprint.
func KeyID(pub ed25519.PublicKey) string {
	// RFC 7638: the required members in lexicographic order, no whitespace.
	canon := fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, base64.RawURLEncoding.EncodeToString(pub))
	sum := sha256.Sum256([]byte(canon))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// PublicKey decodes an OKP/Ed25519 JWK; any other key type is refused.
func (k JWK) PublicKey() (ed25519.PublicKey, error) {
	if k.Kty != "OKP" || k.Crv != "Ed25519" {
		return nil, fmt.Errorf("jwk %q: unsupported key type %s/%s", k.Kid, k.Kty, k.Crv)
	}
	if k.Alg != "" && k.Alg != "EdDSA" {
		return nil, fmt.Errorf("jwk %q: unsupported alg %s", k.Kid, k.Alg)
	}
	b, err := base64.RawURLEncoding.DecodeString(k.X)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("jwk %q: bad x", k.Kid)
	}
	return ed25519.PublicKey(b), nil
}

// JWKSHandler serves the key set returned by keys (called per request so rotation shows at once).
func JWKSHandler(keys func(r *http.Request) (JWKS, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set, err := keys(r)
		if err != nil {
			writeProblem(w, http.StatusServiceUnavailable, "/problems/unavailable", "Unavailable", "signing keys unavailable")
			return
		}
		if set.Keys == nil {
			set.Keys = []JWK{}
		}
		w.Header().Set("Content-Type", "application/json")
		// Short cache: verifiers refetch on an unknown kid anyway.
		w.Header().Set("Cache-Control", "public, max-age=60")
		_ = json.NewEncoder(w).Encode(set)
	})
}
