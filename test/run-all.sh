#!/usr/bin/env bash
# `npm test`: every test of the project, on a fresh machine of this kind. Brings the Debian packages the
# tests need (apt-get, update first) when missing, then: typecheck, unit and integration tests (vitest),
# the web UI end to end in Debian's Chromium (Playwright), the Electron test (skips without the binary),
# and the packaging check. Ends with one line "Tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have chromium || need_pkgs+=(chromium)
have pdftotext || need_pkgs+=(poppler-utils)
have qpdf || need_pkgs+=(qpdf)
have openssl || need_pkgs+=(openssl)
# OpenSSL's GOST engine: the referee for the in-process GOST verifier (test/signing/gost-*.test.ts)
[ -f "$(openssl version -e 2>/dev/null | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')/gost.so" ] || need_pkgs+=(libengine-gost-openssl)
have sqlite3 || need_pkgs+=(sqlite3)
have soffice || need_pkgs+=(libreoffice-calc-nogui)   # workbooks we write must open in LibreOffice with the same values
have zbarimg || need_pkgs+=(zbar-tools)   # the QR code on every printed page must decode to its verification code
have python3 || need_pkgs+=(python3)   # its XML parser reads sealed PDFs' XMP metadata (test/helpers/pdfa-check.ts)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_pkgs+=(fonts-dejavu-core)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "Installing Debian packages the tests need: ${need_pkgs[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" \
    || { echo "Could not install ${need_pkgs[*]} with apt-get"; exit 1; }
fi

status=0
step() { echo; echo "=== $*"; }

step "typecheck"
npx tsc -p tsconfig.json --noEmit && npx tsc -p tsconfig.web.json --noEmit && npx tsc -p test/e2e-web/tsconfig.json \
  && npx tsc -p test/e2e-electron/tsconfig.json || { echo "typecheck failed"; status=1; }

step "unit and integration tests (vitest)"
rm -rf test-results/reliability
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=1

step "reliability table (README.md against this run's figures)"
rm -f test-results/reliability-check.json
npx tsx test/reliability/report.ts --check || status=1

step "web UI end to end (Playwright + Debian Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$PWD/test-results/e2e-web.json" npx playwright test -c test/e2e-web/playwright.config.ts --reporter=list,json || status=1

if [ -f test/e2e-electron/playwright.config.ts ]; then
  step "Electron end to end (skips when the Electron binary is absent)"
  PLAYWRIGHT_JSON_OUTPUT_NAME="$PWD/test-results/e2e-electron.json" npx playwright test -c test/e2e-electron/playwright.config.ts --reporter=list,json || status=1
fi

step "summary"
node test/summarize.mjs test-results/vitest.json test-results/reliability-check.json test-results/e2e-web.json test-results/e2e-electron.json || status=1
exit $status
