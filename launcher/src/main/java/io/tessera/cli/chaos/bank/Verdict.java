package io.tessera.cli.chaos.bank;

import java.util.List;

/** One named check and what violated it (nothing: it passed). */
public record Verdict(String check, List<String> violations) {
    public Verdict {
        violations = List.copyOf(violations);
    }

    public boolean passed() {
        return violations.isEmpty();
    }

    @Override
    public String toString() {
        return (passed() ? "PASS " : "FAIL ") + check + (passed() ? "" : " " + violations);
    }
}
