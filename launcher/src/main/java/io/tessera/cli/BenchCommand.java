package io.tessera.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code tessera bench}: {@code bin/tessera} runs it itself, as the benchmarks module's
 * {@code io.tessera.bench.BenchMain} on {@code benchmarks/target/lib} (nothing depends on the benchmarks
 * module); this command only answers when the launcher is started some other way.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks against peers: run through bin/tessera bench --compare [--quick].")
final class BenchCommand implements Callable<Integer> {
    @Unmatched
    List<String> ignored;

    @Override
    public Integer call() {
        System.err.println("tessera bench: run it as `bin/tessera bench --compare [--quick]`, which starts "
                + "io.tessera.bench.BenchMain on benchmarks/target/lib (build: mvn -B -q package -DskipTests).");
        return 1;
    }
}
