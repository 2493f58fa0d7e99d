# Sourced by the measurement scripts: works from the repository root, names the corpora
# (DATA overrides their folder), builds the binary (PROFILE=fast for release speed without fat
# LTO; default release), and makes a temporary directory `$work` that is removed on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
data=${DATA:-../shared/data/sentiment}
shop=$data/online_shopping_10_cats.dev.csv
hotel=$data/ChnSentiCorp_htl_all.dev.csv
weibo=$data/weibo_senti_100k_partial.dev.csv
profile=${PROFILE:-release}
cargo build --profile "$profile" --quiet
yuqing=${CARGO_TARGET_DIR:-target}/$profile/yuqing
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
