#!/usr/bin/env bash
# Builds the Debian package: target/debian/habitd_VERSION-1_ARCH.deb.
#
# The release binary generates what it ships besides itself from its own
# definitions, so none of it can disagree with the binary: the user unit
# with ExecStart=/usr/bin/habitd, the man pages, the bash, zsh and fish
# completions. They go to target/release/package/, where the assets of
# [package.metadata.deb] in Cargo.toml expect them; cargo-deb then packs
# without building again. Needs cargo-deb (`cargo install cargo-deb`).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}

cargo build --release --locked
bin=$target/release/habitd
out=$target/release/package
rm -rf "$out"
mkdir -p "$out/man" "$out/completions"
"$bin" service unit --exec /usr/bin/habitd > "$out/habitd.service"
"$bin" man --dir "$out/man"
gzip -9n "$out"/man/*.1
"$bin" completions bash > "$out/completions/habitd.bash"
# zsh autoloads _habitd as a function whose body is this file: the script
# defines and registers its completer, so the first Tab must also call it.
{
  "$bin" completions zsh
  echo '_clap_dynamic_completer_habitd "$@"'
} > "$out/completions/_habitd"
"$bin" completions fish > "$out/completions/habitd.fish"
cargo deb --no-build --locked
