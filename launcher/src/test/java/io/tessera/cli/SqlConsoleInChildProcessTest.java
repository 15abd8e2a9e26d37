package io.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tessera sql} runs sqlline on the Tessera driver, in a child JVM as a user would. */
class SqlConsoleInChildProcessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void scriptFileRunsAgainstAMemDatabase() throws Exception {
        Path script = dir.resolve("script.sql");
        Files.writeString(script, String.join("\n",
                "CREATE TABLE fruit (id INTEGER PRIMARY KEY, name VARCHAR(20), qty INTEGER);",
                "INSERT INTO fruit VALUES (1, 'apple', 5), (2, 'banana', 7), (3, 'cherry', 11);",
                "SELECT name, qty FROM fruit WHERE qty > 6 ORDER BY name;",
                "SELECT SUM(qty) AS total_qty FROM fruit;",
                "!quit",
                ""));
        try (ChildJvm sql = ChildJvm.cli(List.of("sql", "--url", "jdbc:tessera:mem:console",
                "--run=" + script, "--outputformat=csv"))) {
            int status = sql.awaitExit(TIMEOUT);
            String out = sql.output();
            assertThat(out).contains("'banana','7'").contains("'cherry','11'").doesNotContain("'apple','5'");
            assertThat(out).contains("'TOTAL_QTY'").contains("'23'");
            assertThat(status).as(out).isZero();
        }
    }

    @Test
    void statementsOnStandardInputRunAndPrintResults() throws Exception {
        try (ChildJvm sql = ChildJvm.cli(List.of("sql", "--url", "jdbc:tessera:mem:stdin"))) {
            try (OutputStream in = sql.process.getOutputStream()) {
                in.write(String.join("\n",
                        "CREATE TABLE t (id INTEGER PRIMARY KEY, word VARCHAR(20));",
                        "INSERT INTO t VALUES (1, 'hello'), (2, 'world');",
                        "SELECT word FROM t ORDER BY id DESC;",
                        "!quit",
                        "").getBytes(StandardCharsets.UTF_8));
            }
            sql.awaitExit(TIMEOUT);
            String out = sql.output();
            // sqlline's default table format, as wide as it needs although stdin is not a terminal
            assertThat(out).contains("| WORD  |").contains("| world |").contains("| hello |");
            assertThat(out.indexOf("| world |")).isLessThan(out.indexOf("| hello |"));
        }
    }
}
