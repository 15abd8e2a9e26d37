package io.tessera.cli.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The outcome of a chaos run: named checks, each passed or failed with its evidence, and notes
 * (what happened: counts, faults, lags) that are not checks.
 */
public final class ChaosReport {
    private static final int MAX_EVIDENCE = 25;

    /** One check: what it asserts, whether it held, and up to 25 lines of evidence. */
    public record Check(String name, boolean passed, List<String> evidence, int moreEvidence) {}

    private final List<Check> checks = Collections.synchronizedList(new ArrayList<>());
    private final List<String> notes = Collections.synchronizedList(new ArrayList<>());

    /** Records a check that passed when {@code violations} is empty. */
    public void check(String name, List<String> violations) {
        List<String> shown = violations.size() <= MAX_EVIDENCE ? List.copyOf(violations)
                : List.copyOf(violations.subList(0, MAX_EVIDENCE));
        checks.add(new Check(name, violations.isEmpty(), shown, violations.size() - shown.size()));
    }

    public void note(String line) {
        notes.add(line);
    }

    public boolean passed() {
        synchronized (checks) {
            return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
        }
    }

    public List<Check> checks() {
        synchronized (checks) {
            return List.copyOf(checks);
        }
    }

    public List<String> notes() {
        synchronized (notes) {
            return List.copyOf(notes);
        }
    }

    /** The whole report as text: notes, then each check with PASS/FAIL and its evidence. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (String n : notes()) {
            sb.append(n).append('\n');
        }
        sb.append('\n');
        for (Check c : checks()) {
            sb.append(c.passed() ? "PASS  " : "FAIL  ").append(c.name()).append('\n');
            for (String e : c.evidence()) {
                sb.append("        ").append(e).append('\n');
            }
            if (c.moreEvidence() > 0) {
                sb.append("        ... and ").append(c.moreEvidence()).append(" more\n");
            }
        }
        sb.append(passed() ? "RESULT: all checks passed" : "RESULT: FAILED").append('\n');
        return sb.toString();
    }
}
