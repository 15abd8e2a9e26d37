package io.tessera.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** Process lifetime for server roles: run until Ctrl-C / SIGTERM, then close what was started. */
final class Processes {
    private static final CountDownLatch never = new CountDownLatch(1);

    private Processes() {}

    interface Closer {
        void close() throws Exception;
    }

    /** How long a shutdown hook may take before the process halts anyway. */
    static final Duration STOP_LIMIT = Duration.ofSeconds(30);

    /**
     * Closes {@code what} when the JVM exits. Hooks run concurrently, so register one hook per
     * group of resources that must stop in order. A close that hangs (e.g. a ZooKeeper client
     * retrying against a server that is gone) halts the process after {@link #STOP_LIMIT}.
     */
    static void onShutdown(String name, Closer what) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Thread closer = new Thread(() -> {
                try {
                    what.close();
                } catch (Exception e) {
                    System.err.println("tessera: stopping " + name + " failed: " + e);
                }
            }, "tessera-close-" + name.replace(' ', '-'));
            closer.setDaemon(true);
            closer.start();
            try {
                closer.join(STOP_LIMIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (closer.isAlive()) {
                System.err.println("tessera: stopping " + name + " took over " + STOP_LIMIT.toSeconds() + " s; halting");
                Runtime.getRuntime().halt(1);
            }
        }, "tessera-stop-" + name.replace(' ', '-')));
    }

    /** Blocks the main thread until the JVM shuts down. */
    static void awaitShutdown() throws InterruptedException {
        never.await();
    }

    /** Exits this process (running its shutdown hooks) when the process that spawned it ends. */
    static void exitWithParent() {
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
    }
}
