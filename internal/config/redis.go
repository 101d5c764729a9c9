package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/redis/go-redis/v9"
)

// UniversalOptions turns the Redis section into go-redis options: a single
// server, a Sentinel-managed master or a Cluster, chosen by Mode.
func (r Redis) UniversalOptions() (*redis.UniversalOptions, error) {
	o := &redis.UniversalOptions{
		DB:               r.DB,
		Username:         r.Username,
		Password:         r.Password.Reveal(),
		SentinelPassword: r.SentinelPassword.Reveal(),
		DialTimeout:      r.DialTimeout.D(),
	}
	switch r.Mode {
	case "single":
		p, err := redis.ParseURL(r.URL)
		if err != nil {
			return nil, fmt.Errorf("parse redis.url: %w", err)
		}
		o.Addrs = []string{p.Addr}
		o.DB = p.DB
		if p.Username != "" {
			o.Username = p.Username
		}
		if p.Password != "" {
			o.Password = p.Password
		}
		o.TLSConfig = p.TLSConfig
	case "sentinel":
		o.Addrs = r.Addrs
		o.MasterName = r.MasterName
	case "cluster":
		o.Addrs = r.Addrs
		o.IsClusterMode = true
	default:
		return nil, fmt.Errorf("redis options: mode %q: %w", r.Mode, ErrInvalid)
	}
	if r.TLS.Enabled {
		tc, err := r.TLS.config()
		if err != nil {
			return nil, err
		}
		o.TLSConfig = tc
	}
	return o, nil
}

func (t TLS) config() (*tls.Config, error) {
	tc := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // operator's explicit choice
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read redis.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("redis.tls.ca_file %q holds no PEM certificate: %w", t.CAFile, ErrInvalid)
		}
		tc.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load redis.tls.cert_file/key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
