//go:build !race

package etcdtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TLS is a throwaway certificate authority with a server certificate
// for 127.0.0.1 and a client certificate, written as PEM files (0600) the
// way an operator would hand them to etcd and to rightsdesk.
type TLS struct {
	CAFile                string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
	// OtherCAFile signs nothing the cluster trusts: a client with it has
	// the wrong authority.
	OtherCAFile string
}

func NewTLS(t *testing.T) *TLS {
	t.Helper()
	dir := t.TempDir()
	caKey, caCert, caDER := newCA(t, "rightsdesk test CA")
	_, _, otherDER := newCA(t, "some other CA")
	s := &TLS{
		CAFile:      filepath.Join(dir, "ca.pem"),
		OtherCAFile: filepath.Join(dir, "other-ca.pem"),
		ServerCert:  filepath.Join(dir, "server.pem"),
		ServerKey:   filepath.Join(dir, "server-key.pem"),
		ClientCert:  filepath.Join(dir, "client.pem"),
		ClientKey:   filepath.Join(dir, "client-key.pem"),
	}
	writePEM(t, s.CAFile, "CERTIFICATE", caDER)
	writePEM(t, s.OtherCAFile, "CERTIFICATE", otherDER)
	// etcd's gateway dials its own member with the server certificate as
	// its client certificate, so the server's is good for both uses.
	leaf(t, caKey, caCert, "127.0.0.1", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, s.ServerCert, s.ServerKey)
	leaf(t, caKey, caCert, "rightsdesk", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, s.ClientCert, s.ClientKey)
	return s
}

var serial int64

func nextSerial() *big.Int {
	serial++
	return big.NewInt(serial)
}

func newCA(t *testing.T, name string) (*ecdsa.PrivateKey, *x509.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert, der
}

func leaf(t *testing.T, caKey *ecdsa.PrivateKey, ca *x509.Certificate, name string, usage []x509.ExtKeyUsage, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  usage,
	}
	if ip := net.ParseIP(name); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{name}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ClientConfig is the TLS configuration of a client of the cluster: it
// trusts the CA and shows the client certificate.
func (s *TLS) ClientConfig() (*tls.Config, error) {
	ca, err := os.ReadFile(s.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s: no certificate", s.CAFile)
	}
	cert, err := tls.LoadX509KeyPair(s.ClientCert, s.ClientKey)
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
