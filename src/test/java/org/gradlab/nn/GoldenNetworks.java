package org.gradlab.nn;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.gradlab.Golden;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The gradlab network of a golden trace's layer specs (the mapping of {@link LayerGoldenTest}), for
 * golden tests outside {@code nn}: a float64 {@link Sequential} holding the trace's state dict.
 */
public final class GoldenNetworks {
    private GoldenNetworks() {
    }

    /** {@code layers} (a list of specs) as a float64 Sequential loaded with {@code stateDict}. */
    public static Sequential of(String where, JsonNode layers, JsonNode stateDict) {
        List<Layer> built = new ArrayList<>();
        layers.forEach(s -> built.add(LayerGoldenTest.layer(where, s)));
        Sequential model = Sequential.of(built);
        model.to(DataType.DOUBLE);
        model.loadStateDict(Golden.stateDict(stateDict));
        return model;
    }
}
