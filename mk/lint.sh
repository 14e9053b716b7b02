#!/usr/bin/env bash
# make lint: the source rules, then a build with warnings as errors. Fails on the first finding.
#
# swift-format (configuration in .swift-format) checks its rules over every Swift file. Its
# pretty-printer's layout findings (indentation, line breaks, spacing, trailing commas, line
# length) are not enforced: the tree keeps its hand layout, and reformatting it all at once would
# collide with every branch in flight. `make fmt FILES=...` applies the layout to files on request.
# The build uses its own scratch directory (.build-lint), so it is incremental and never
# invalidates the debug build of `make unit-test` or the release build of `make build`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SWIFT=${SWIFT:-swift}

layout='\[(Indentation|AddLines|RemoveLine|Spacing|TrailingComma|LineLength)\]'
echo "lint: swift format lint (.swift-format)"
findings=$($SWIFT format lint --parallel --recursive --configuration .swift-format \
    Sources Tests Plugins Package.swift 2>&1 | grep -Ev "$layout" || true)
if [ -n "$findings" ]; then
    printf '%s\n' "$findings" >&2
    echo "lint: swift-format findings above (.swift-format; 'make fmt FILES=...' fixes most)" >&2
    exit 1
fi

echo "lint: whitespace"
ws=$(git ls-files -- '*.swift' '*.c' '*.h' '*.py' '*.sh' '*.md' Makefile 'mk/*' | xargs grep -nE '[[:space:]]+$' || true)
if [ -n "$ws" ]; then
    printf '%s\n' "$ws" >&2
    echo "lint: trailing whitespace above" >&2
    exit 1
fi

echo "lint: build with warnings as errors (.build-lint)"
mkdir -p .build-lint
if ! $SWIFT build --build-tests --scratch-path .build-lint \
        -Xswiftc -warnings-as-errors -Xcc -Werror -Xcc -Wall >.build-lint/lint.log 2>&1; then
    grep -E 'error|warning' .build-lint/lint.log >&2 || tail -n 30 .build-lint/lint.log >&2
    echo "lint: the build failed (full log: .build-lint/lint.log)" >&2
    exit 1
fi
# SwiftPM's own warnings (unhandled files, manifest issues) do not fail the build.
if grep -E '^warning:' .build-lint/lint.log >&2; then
    echo "lint: SwiftPM warnings above" >&2
    exit 1
fi
echo "lint: ok"
