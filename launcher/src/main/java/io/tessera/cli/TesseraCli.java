package io.tessera.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code tessera}: one entry point for every role. Each role takes {@code --config FILE}, a
 * properties file whose keys are option names without dashes ({@code zk=host:2181}, {@code port=7001});
 * a key may be qualified by the command ({@code node.port=7001}) to apply to that role only.
 * Flags on the command line override the file.
 */
@Command(name = "tessera",
        mixinStandardHelpOptions = true,
        versionProvider = TesseraCli.Version.class,
        description = "Tessera, a sharded distributed SQL database.",
        subcommands = {
            DemoCommand.class,
            LocalCommand.class,
            ZkCommand.class,
            CoordinatorCommand.class,
            NodeCommand.class,
            SqlCommand.class,
            StatusCommand.class,
            BenchCommand.class,
            ChaosCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class TesseraCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses and runs one command; returns the process exit code. */
    public static int run(String... args) {
        Logging.configureFor(args);
        CommandLine cli = new CommandLine(new TesseraCli()).setCaseInsensitiveEnumValuesAllowed(true);
        try {
            Properties config = loadConfig(args);
            if (config != null) {
                cli.setDefaultValueProvider(new ConfigDefaults(config));
            }
        } catch (IOException e) {
            System.err.println("tessera: cannot read --config: " + e.getMessage());
            return 2;
        }
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            // A failed role says why in one line; the stack trace only on request.
            System.err.println("tessera " + command.getCommandName() + ": " + describe(e));
            if (Boolean.getBoolean("tessera.debug")) {
                e.printStackTrace();
            } else {
                System.err.println("(run with TESSERA_JAVA_OPTS=-Dtessera.debug=true for the stack trace)");
            }
            return 1;
        });
        return cli.execute(args);
    }

    /** The messages of an exception and its causes, without repeats. */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (sb.indexOf(m) < 0) {
                sb.append(sb.length() == 0 ? "" : ": ").append(m);
            }
        }
        return sb.toString();
    }

    /** The properties file named by {@code --config FILE} or {@code --config=FILE}, if any. */
    static Properties loadConfig(String[] args) throws IOException {
        String file = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                file = args[i + 1];
            } else if (args[i].startsWith("--config=")) {
                file = args[i].substring("--config=".length());
            }
        }
        if (file == null) {
            return null;
        }
        Path path = Paths.get(file);
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(path)) {
            p.load(in);
        }
        return p;
    }

    /** Option defaults from the {@code --config} file: {@code <command>.<option>}, then {@code <option>}. */
    static final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
        private final Properties properties;

        ConfigDefaults(Properties properties) {
            this.properties = properties;
        }

        @Override
        public String defaultValue(CommandLine.Model.ArgSpec arg) {
            if (!(arg instanceof CommandLine.Model.OptionSpec option) || arg.command() == null) {
                return null;
            }
            String key = option.longestName().replaceFirst("^-+", "");
            String v = properties.getProperty(arg.command().name() + "." + key);
            return v != null ? v : properties.getProperty(key);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TesseraCli.class.getPackage().getImplementationVersion();
            return new String[] {"Tessera " + (v == null ? "(development build)" : v)};
        }
    }
}
