package io.tessera.coordinator.membership;

import io.tessera.protocol.proto.NodeInfo;

/** Told when shard nodes register or vanish. Called on the membership thread, in order. */
public interface MembershipListener {
    void nodeJoined(NodeInfo node);

    void nodeLeft(NodeInfo node);
}
