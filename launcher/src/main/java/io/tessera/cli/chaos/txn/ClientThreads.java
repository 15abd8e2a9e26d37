package io.tessera.cli.chaos.txn;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client threads of a workload: each runs its loop until {@link #stop} is called; a thread
 * stuck in a statement past the stop deadline is abandoned (daemon) and reported.
 */
public final class ClientThreads {
    private static final Logger LOG = LoggerFactory.getLogger(ClientThreads.class);

    /** One client's loop; it returns when {@code stopping} turns true. */
    @FunctionalInterface
    public interface Loop {
        void run(int client, BooleanSupplier stopping) throws Exception;
    }

    private final List<Thread> threads = new ArrayList<>();
    private final ErrorTally errors;
    private volatile boolean stopping;

    public ClientThreads(ErrorTally errors) {
        this.errors = errors;
    }

    public synchronized void start(String name, int count, Loop loop) {
        for (int i = 0; i < count; i++) {
            int client = threads.size();
            Thread t = new Thread(() -> {
                try {
                    loop.run(client, () -> stopping);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    // A bug in the loop itself: this client stops; counted in the report and logged.
                    errors.record(e);
                    LOG.error("client {} stopped", Thread.currentThread().getName(), e);
                }
            }, name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops every loop; returns the names of threads still running after {@code wait}. */
    public synchronized List<String> stop(Duration wait) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + wait.toNanos();
        List<String> stuck = new ArrayList<>();
        for (Thread t : threads) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (t.isAlive()) {
                stuck.add(t.getName());
            }
        }
        return stuck;
    }
}
