#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Pack bench_pipeline with its shared libraries into devbundle/, to run on a
# machine without the build's packages (e.g. a many-core box for --scale):
#   scripts/devbundle.sh [BASELINE] && scp -r devbundle host: && ssh host sh devbundle/run.sh
# BASELINE: another build's bench_pipeline (e.g. of an older commit), run in turn
# with this one, twice each, so that both are measured on the same machine. Build
# it from a commit whose bench_pipeline times the same work (85ae44d or later: the
# steady state, with the hand's live-flows visit), or the two time different things.
set -eu
cd "$(dirname "$0")/.."
ninja -C build tests/bench/bench_pipeline tests/mix.pcap >/dev/null
rm -rf devbundle
mkdir -p devbundle/lib
cp build/tests/bench/bench_pipeline build/tests/mix.pcap devbundle/
[ $# -eq 0 ] || cp "$1" devbundle/bench_pipeline.base
# every library but the C library's own, which the target has
ldd build/tests/bench/bench_pipeline | awk '$3 ~ /^\// {print $3}' |
	grep -v -e '/libc\.so' -e '/libm\.so' -e 'ld-linux' | xargs -I{} cp -L {} devbundle/lib/
cat > devbundle/run.sh <<'RUN'
#!/bin/sh
# Per-core pipeline, then where its time goes, then scaling over 1..16 cores with
# 10k and 1M flows per core.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH="$PWD/lib"
lscpu | grep -E "Model name|^CPU\(s\)|Thread|NUMA node\(s\)|L3"
if [ -x bench_pipeline.base ]; then
	for round in 1 2; do
		echo "== baseline, round $round"; ./bench_pipeline.base mix.pcap
		echo "== this build, round $round"; ./bench_pipeline mix.pcap
	done
	exit 0
fi
./bench_pipeline mix.pcap
echo "== where the time goes: reports, the hand's walk, the packet path"
./bench_pipeline --profile 1000000
./bench_pipeline --profile 10000
./bench_pipeline --scale 1,2,4,8,12,16 10000
./bench_pipeline --scale 1,2,4,8,16 1000000
RUN
chmod +x devbundle/run.sh
echo "devbundle: $(du -sh devbundle | cut -f1); run: sh devbundle/run.sh"
