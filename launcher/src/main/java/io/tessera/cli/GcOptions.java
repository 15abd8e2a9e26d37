package io.tessera.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --gc-window} and {@code --gc-interval}, shared by {@code coordinator} and {@code local}. */
final class GcOptions {
    @Option(names = "--gc-window", defaultValue = "600", paramLabel = "SECONDS",
            description = "How far back AS OF reads may go and how long a transaction may stay open: older versions"
                    + " are garbage-collected (default: ${DEFAULT-VALUE}).")
    long windowSeconds;

    @Option(names = "--gc-interval", paramLabel = "SECONDS",
            description = "Time between garbage-collection rounds (default: 60, or the window when shorter).")
    Long intervalSeconds;

    Duration window() {
        return Duration.ofSeconds(windowSeconds);
    }

    /** Null = derived from the window by the coordinator. */
    Duration interval() {
        return intervalSeconds == null ? null : Duration.ofSeconds(intervalSeconds);
    }
}
