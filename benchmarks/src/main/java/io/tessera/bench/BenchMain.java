package io.tessera.bench;

import io.tessera.bench.peer.Peers;
import io.tessera.bench.peer.TesseraPeer;
import io.tessera.bench.report.Charts;
import io.tessera.bench.report.MarkdownReport;
import io.tessera.bench.report.Results;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code tessera bench}: {@code --compare [--quick]} runs the JMH suite and YCSB on every peer and the
 * Tessera scaling run, and writes docs/benchmarks.md and its charts; {@code jmh ARGS} is plain JMH.
 */
public final class BenchMain {
    private BenchMain() {}

    static final String USAGE = String.join("\n",
            "Usage: tessera bench --compare [--quick] [--peers h2,h2tcp,postgres,shardingsphere,tessera,tessera-rf3]",
            "                     [--threads N] [--no-scaling] [--scaling 1,2,4] [--out DIR]",
            "       tessera bench jmh [JMH options]      (e.g. jmh JdbcBenchmarks -p peer=tessera -f 1)",
            "  --compare     run the suite on every peer (same data, threads, warm-up), write DIR/benchmarks.md + charts",
            "  --quick       small data and short measurement: under 10 minutes on 2 cores",
            "  --out DIR     where benchmarks.md and benchmarks/*.png go (default: <repo>/docs)");

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            return 0;
        }
        boolean compare = false;
        boolean quick = false;
        boolean scaling = true;
        List<String> peers = Peers.ALL;
        Integer threads = null;
        List<Integer> scalingNodes = null;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--compare": compare = true; break;
                case "--quick": quick = true; break;
                case "--no-scaling": scaling = false; break;
                case "--peers": peers = Peers.parse(args[++i]); break;
                case "--threads": threads = Integer.parseInt(args[++i]); break;
                case "--scaling":
                    scalingNodes = new ArrayList<>();
                    for (String n : args[++i].split(",")) {
                        scalingNodes.add(Integer.parseInt(n.trim()));
                    }
                    break;
                case "--out": out = Paths.get(args[++i]); break;
                case "-h": case "--help":
                    System.out.println(USAGE);
                    return 0;
                default:
                    System.err.println("tessera bench: unknown argument " + a + "\n" + USAGE);
                    return 2;
            }
        }
        if (!compare) {
            System.err.println(USAGE);
            return 2;
        }
        BenchSettings s = quick ? BenchSettings.quick() : BenchSettings.full();
        if (threads != null) {
            s = s.withThreads(threads);
        }
        if (scalingNodes != null) {
            s = s.withScaling(scalingNodes);
        }
        if (!scaling) {
            s = s.withScaling(List.of());
        }
        Path home = TesseraPeer.home();
        Path outDir = out != null ? out : home.resolve("docs");
        Harness.log("tessera bench: %s run, peers %s, %d threads, %d rows, %d YCSB records, scaling %s",
                s.mode(), peers, s.threads(), s.rows(), s.ycsbRecords(), s.scalingNodes());
        Results r = new Harness(s, true).compare(peers, home);
        Path md = write(r, outDir);
        Harness.log("tessera bench: done in %.0f s; wrote %s", r.durationSeconds, md);
        return r.peers.stream().allMatch(p -> p.failure == null) ? 0 : 1;
    }

    /** Writes DIR/benchmarks.md and DIR/benchmarks/*.png. */
    public static Path write(Results r, Path outDir) throws Exception {
        Path chartDir = outDir.resolve("benchmarks");
        List<String> charts;
        try {
            charts = Charts.write(r, chartDir);
        } catch (Exception | Error e) {
            Harness.log("tessera bench: charts failed: %s", Harness.describe(e));
            charts = List.of();
        }
        Files.createDirectories(outDir);
        Path md = outDir.resolve("benchmarks.md");
        Files.writeString(md, MarkdownReport.render(r, charts, "benchmarks"));
        return md;
    }
}
