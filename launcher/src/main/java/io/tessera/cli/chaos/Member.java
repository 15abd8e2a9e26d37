package io.tessera.cli.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * One process of a {@link FaultCluster} (ZooKeeper, a coordinator, a shard node, or a client): a child JVM
 * started with the same arguments every time, so a restarted node keeps its id and data directory.
 * Faults are real signals sent with {@code kill}: {@code -KILL} (a crash), {@code -STOP} and
 * {@code -CONT} (a pause: the process holds its sockets and its ZooKeeper session silently expires).
 * Output of every incarnation is appended to one log file, each start marked by a banner line.
 */
public final class Member {
    /** What the process runs. */
    public enum Role { ZOOKEEPER, COORDINATOR, NODE, CLIENT }

    private final Role role;
    private final String name;
    private final List<String> command;
    private final Path log;
    private Process process;   // guarded by this
    private boolean paused;    // guarded by this
    private int starts;        // guarded by this

    Member(Role role, String name, List<String> command, Path log) {
        this.role = role;
        this.name = name;
        this.command = List.copyOf(command);
        this.log = log;
    }

    public Role role() {
        return role;
    }

    /** The node or coordinator id ({@code node-2}, {@code coordinator-1}), or {@code zk}. */
    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    public synchronized boolean paused() {
        return paused && alive();
    }

    /** How many times the process was started. */
    public synchronized int starts() {
        return starts;
    }

    /** Starts the process (again); it must not be running. */
    public synchronized void start() throws IOException {
        if (alive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        Files.createDirectories(log.toAbsolutePath().getParent());
        starts++;
        Files.writeString(log, "==== chaos: start #" + starts + " of " + name + " at " + Instant.now() + " ====\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        paused = false;
    }

    /**
     * {@code kill -9}: the process dies at once, without running any shutdown code. The SIGKILL is
     * sent by this JVM itself ({@link Process#destroyForcibly()}, i.e. {@code kill(pid, SIGKILL)}),
     * not by a spawned {@code kill}, so it lands within a millisecond: a client is killed inside the
     * commit it was seen entering.
     */
    public void kill() throws IOException, InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
            if (p == null || !p.isAlive()) {
                return;
            }
            p.destroyForcibly();
            paused = false;
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new IOException(name + " (pid " + p.pid() + ") still alive 30 s after SIGKILL");
        }
    }

    /** {@code kill -STOP}: the process freezes; its sockets stay open, its ZooKeeper session expires. */
    public synchronized void pause() throws IOException, InterruptedException {
        if (alive() && !paused) {
            signal("STOP", process.pid());
            paused = true;
        }
    }

    /** {@code kill -CONT}: a paused process runs on, unaware that time passed. */
    public synchronized void resume() throws IOException, InterruptedException {
        if (alive() && paused) {
            signal("CONT", process.pid());
        }
        paused = false;
    }

    /**
     * Graceful stop: SIGTERM (after SIGCONT when paused) and wait for the shutdown hooks; SIGKILL
     * after {@code grace}. Returns whether the process exited by itself.
     */
    public boolean stop(Duration grace) throws IOException, InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
            if (p == null || !p.isAlive()) {
                return true;
            }
            if (paused) {
                resume();
            }
            p.destroy();
        }
        if (p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return false;
    }

    /**
     * Waits up to {@code timeout} for the current incarnation to exit by itself; returns its exit
     * status, or empty when it still runs (or never started).
     */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null || !p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(p.exitValue());
    }

    /** Whether the current incarnation has exited, and with which status (for error messages). */
    public synchronized String describeExit() {
        if (process == null) {
            return name + " never started";
        }
        return process.isAlive() ? name + " running (pid " + process.pid() + ")"
                : name + " exited with status " + process.exitValue() + "; see " + log;
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + signal, Long.toString(pid)));
        Process k = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
