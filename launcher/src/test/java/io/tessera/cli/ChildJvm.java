package io.tessera.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A java child process whose combined output the test reads line by line. */
final class ChildJvm implements AutoCloseable {
    final Process process;
    private final List<String> lines = new ArrayList<>();

    private ChildJvm(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
    }

    static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java [jvmArgs] -cp <this test's classpath> io.tessera.cli.TesseraCli args}. */
    static ChildJvm cli(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                TesseraCli.class.getName()));
        cmd.addAll(args);
        return start(cmd);
    }

    static ChildJvm start(List<String> cmd) throws IOException {
        return new ChildJvm(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** Waits for a line matching {@code p}; fails with the output so far after {@code timeout}. */
    String awaitLine(Predicate<String> p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        synchronized (lines) {
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (p.test(lines.get(seen))) {
                        return lines.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && seen == lines.size())) {
                    throw new AssertionError("no expected line within " + timeout + " (process "
                            + (process.isAlive() ? "alive" : "exited " + process.exitValue()) + "); output:\n" + output());
                }
                lines.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        }
    }

    /** Waits for the process to exit; returns its status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeout + "; output:\n" + output());
        }
        Thread.sleep(100); // let the reader drain the last lines
        return process.exitValue();
    }

    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
