package io.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jdbc-driver/target/tessera-jdbc-<version>-all.jar} alone on the classpath of a plain java
 * program opens {@code jdbc:tessera:mem:} and runs SQL. The jar is built by the jdbc-driver module's
 * package phase, which precedes this module's tests in {@code mvn verify}.
 */
class ShadedDriverJarWorksAloneTest {

    @TempDir
    Path dir;

    @Test
    void plainJavaProgramOpensMemUrlWithOnlyTheShadedJar() throws Exception {
        Path jar = shadedJar();
        Path program = dir.resolve("Probe.java");
        Files.writeString(program, """
                import java.sql.*;

                public class Probe {
                    public static void main(String[] args) throws Exception {
                        try (Connection c = DriverManager.getConnection("jdbc:tessera:mem:probe");
                             Statement s = c.createStatement()) {
                            System.out.println("driver=" + DriverManager.getDriver("jdbc:tessera:mem:probe").getClass().getName());
                            s.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, v VARCHAR(10))");
                            s.executeUpdate("INSERT INTO p VALUES (1, 'x'), (2, 'y')");
                            try (ResultSet rs = s.executeQuery("SELECT COUNT(*), MAX(v) FROM p")) {
                                rs.next();
                                System.out.println("rows=" + rs.getLong(1) + " max=" + rs.getString(2));
                            }
                        }
                        System.exit(0);
                    }
                }
                """);
        // Java's source-file mode: no compiler step, the program sees nothing but the jar.
        try (ChildJvm probe = ChildJvm.start(List.of(ChildJvm.java(), "-cp", jar.toString(), program.toString()))) {
            int status = probe.awaitExit(Duration.ofSeconds(120));
            assertThat(probe.output()).contains("driver=io.tessera.jdbc.TesseraDriver").contains("rows=2 max=y");
            assertThat(status).as(probe.output()).isZero();
        }
    }

    private static Path shadedJar() throws IOException {
        Path target = Paths.get("..", "jdbc-driver", "target").toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "tessera-jdbc-*-all.jar")) {
                for (Path p : jars) {
                    return p;
                }
            }
        }
        throw new AssertionError("no " + target + "/tessera-jdbc-*-all.jar: build it first, e.g. "
                + "mvn -pl jdbc-driver,launcher verify (the jdbc-driver package phase makes it)");
    }
}
