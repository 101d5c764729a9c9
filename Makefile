# liandong: the one test command is `make test` (see README.md).

GO ?= go
# Debian packages the tests need: a real Redis, espeak-ng and sox for prompts.
APT_PACKAGES ?= redis-server espeak-ng sox

.PHONY: test deps vet unit build bench fuzz

test: deps vet unit

# Installs what is missing, with apt-get, when run as root; otherwise says
# what to install.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  case $$p in redis-server) bin=redis-server;; espeak-ng) bin=espeak-ng;; sox) bin=sox;; *) bin=$$p;; esac; \
	  command -v $$bin >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing (run as root to install, or: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 -timeout 20m ./...

build:
	$(GO) build -o liandong ./cmd/liandong

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Runs each fuzz target for a short while; CI runs their seed corpora as tests.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "$$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s $$pkg || exit 1; \
	  done; \
	done
