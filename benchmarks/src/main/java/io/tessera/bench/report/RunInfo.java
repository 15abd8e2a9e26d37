package io.tessera.bench.report;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Where and with what a run happened: machine, JVM and flags, library versions, git commit. */
public final class RunInfo {
    public final String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    public final String cpu = cpuModel();
    public final int cores = Runtime.getRuntime().availableProcessors();
    public final String memory = memTotal();
    public final String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch") + osRelease();
    public final String jvm = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
            + " (" + System.getProperty("java.vendor") + ")";
    public final List<String> jvmFlags = ManagementFactory.getRuntimeMXBean().getInputArguments();
    public final Properties versions = versions();
    public final String gitCommit;

    public RunInfo(Path home) {
        this.gitCommit = git(home);
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    long kb = Long.parseLong(line.replaceAll("\\D+", ""));
                    return String.format("%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return "?";
    }

    private static String osRelease() {
        try {
            for (String line : Files.readAllLines(Paths.get("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return ", " + line.substring(12).replace("\"", "");
                }
            }
        } catch (IOException ignored) {
            // unknown
        }
        return "";
    }

    private static Properties versions() {
        Properties p = new Properties();
        try (InputStream in = RunInfo.class.getResourceAsStream("/bench-versions.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // none
        }
        return p;
    }

    static String git(Path home) {
        try {
            String head = exec(home, "git", "rev-parse", "HEAD");
            String dirty = exec(home, "git", "status", "--porcelain", "--untracked-files=no");
            return head + (dirty.isBlank() ? "" : " (with uncommitted changes)");
        } catch (Exception e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String exec(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
