package io.tessera.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option every role accepts; {@link TesseraCli} reads the file before parsing. */
final class ConfigFile {
    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file with option defaults (keys = option names without dashes); flags override it.")
    Path config;
}
