package io.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.coordinator.CoordinatorConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --gc-window} and {@code --gc-interval} on {@code coordinator} and {@code local} (docs/launcher.md). */
class GcWindowIsAFlagOfCoordinatorAndLocal {
    private static Object parse(String... args) {
        CommandLine cli = new CommandLine(new TesseraCli()).setCaseInsensitiveEnumValuesAllowed(true);
        return cli.parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void coordinatorFlags() {
        CoordinatorCommand c = (CoordinatorCommand) parse("coordinator", "--gc-window", "30", "--gc-interval", "5");
        assertThat(c.gc.window()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.gc.interval()).isEqualTo(Duration.ofSeconds(5));
        CoordinatorCommand defaults = (CoordinatorCommand) parse("coordinator");
        assertThat(defaults.gc.window()).isEqualTo(Duration.ofSeconds(600));
        assertThat(defaults.gc.interval()).as("derived from the window").isNull();
    }

    @Test
    void localPassesThemToItsCluster() {
        LocalCluster.Settings s = ((LocalCommand) parse("local", "--gc-window", "20")).settings();
        assertThat(s.gcWindow()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.gcInterval()).isNull();
    }

    @Test
    void theIntervalDefaultsToAMinuteOrTheShorterWindow() {
        CoordinatorConfig c = CoordinatorConfig.of("c", "zk:2181", null, "127.0.0.1", 0);
        assertThat(c.gcWindow()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.gcInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.withGcWindow(Duration.ofSeconds(20)).gcInterval()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.withGcWindow(Duration.ofSeconds(20)).withGcInterval(Duration.ofSeconds(3)).gcInterval())
                .isEqualTo(Duration.ofSeconds(3));
    }
}
