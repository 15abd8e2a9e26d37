package io.tessera.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code tessera bench}: placeholder until the benchmarks module ships a runnable harness. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: not yet available (the benchmarks module has no runnable harness yet).")
final class BenchCommand implements Callable<Integer> {
    @Unmatched
    List<String> ignored;

    @Override
    public Integer call() {
        System.err.println("tessera bench: not yet available. The benchmark harness (benchmarks module) is not "
                + "written yet; this command will run it once it exists.");
        return 1;
    }
}
