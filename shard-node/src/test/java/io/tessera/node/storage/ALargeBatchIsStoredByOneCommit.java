package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.protocol.proto.Mutation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MVStore stores a store on its own once enough pages are unsaved, even with auto-commit disabled,
 * unless its write buffer is 0: a batch bigger than that buffer would then reach the file half
 * applied, and a crash right after would leave rows that no log entry describes.
 */
class ALargeBatchIsStoredByOneCommit {
    @TempDir
    Path dir;

    @Test
    void aWriteOfAboutFortyMegabytesIsStoredOnlyByItsGroupCommit() {
        try (Replica r = Replica.create(dir.resolve("r.mv.db"), NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(),
                Durability.SYNC)) {
            String pad = "x".repeat(1000);
            List<Mutation> batch = new ArrayList<>();
            for (int i = 0; i < 40_000; i++) {
                batch.add(insert(item(i, pad, i, null, null)));
            }
            long before = r.storeVersion();
            assertThat(r.write(100, batch, "c", 1)).isEqualTo(40_000);
            assertThat(r.storeVersion() - before).as("commits the write made: its group commit only").isEqualTo(1);
        }
    }
}
