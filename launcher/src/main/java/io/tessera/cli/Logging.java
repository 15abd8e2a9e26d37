package io.tessera.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.slf4j.LoggerFactory;

/**
 * Where the launcher logs. Server roles ({@code zk}, {@code coordinator}, {@code node}, {@code local},
 * {@code status}) use {@code logback.xml}: stderr, INFO for {@code io.tessera}, WARN for libraries.
 * Console roles ({@code sql}, {@code demo}) must keep the terminal to sqlline, so they log to a
 * file instead ({@code logback-file.xml}): under the data directory for {@code demo} and
 * {@code sql --url jdbc:tessera:local:DIR}, else {@code <tmpdir>/tessera-sql.log}.
 */
final class Logging {
    /** System property (and logback variable) naming the log file of console roles. */
    static final String LOG_FILE = "tessera.log.file";

    private Logging() {}

    /** Picks the configuration from the command about to run; before anything logs. */
    static void configureFor(String[] args) {
        String command = args.length == 0 ? "" : args[0];
        Path file = switch (command) {
            case "demo" -> dataDir(args, DemoCommand.DEFAULT_DATA).resolve("tessera.log");
            case "sql" -> sqlLogFile(args);
            default -> null;
        };
        if (file != null) {
            toFile(file);
        }
    }

    private static Path dataDir(String[] args, String fallback) {
        String d = optionValue(args, "--data");
        return Paths.get(d != null ? d : fallback);
    }

    private static Path sqlLogFile(String[] args) {
        String url = optionValue(args, "--url");
        if (url == null) {
            url = optionValue(args, "-u");
        }
        String local = "jdbc:tessera:local:";
        if (url != null && url.startsWith(local)) {
            String dir = url.substring(local.length());
            int semi = dir.indexOf(';');
            return Paths.get(semi < 0 ? dir : dir.substring(0, semi)).resolve("tessera.log");
        }
        return Paths.get(System.getProperty("java.io.tmpdir"), "tessera-sql.log");
    }

    private static String optionValue(String[] args, String name) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(name + "=")) {
                return args[i].substring(name.length() + 1);
            }
        }
        return null;
    }

    /** Re-configures logback to write everything to {@code file} and nothing to the console. */
    static void toFile(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            return; // keep the default configuration (stderr)
        }
        System.setProperty(LOG_FILE, file.toAbsolutePath().toString());
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        ctx.reset();
        JoranConfigurator jc = new JoranConfigurator();
        jc.setContext(ctx);
        try {
            jc.doConfigure(Logging.class.getResource("/logback-file.xml"));
        } catch (JoranException e) {
            System.err.println("tessera: cannot configure logging to " + file + ": " + e.getMessage());
        }
    }

    /** The console roles' log file, when logging goes to one. */
    static String logFile() {
        return System.getProperty(LOG_FILE);
    }
}
