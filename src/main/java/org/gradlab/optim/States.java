package org.gradlab.optim;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Deep copies of optimizer state records, for roll-backs. */
public final class States {
    private States() {
    }

    /** Copies every record, duplicating each array component (outside any workspace: state outlives a step). */
    public static Map<String, Record> deepCopy(Map<String, Record> state) {
        Map<String, Record> out = new LinkedHashMap<>();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            state.forEach((n, r) -> out.put(n, copy(r)));
        }
        return out;
    }

    private static Record copy(Record r) {
        try {
            RecordComponent[] comps = r.getClass().getRecordComponents();
            Class<?>[] types = new Class<?>[comps.length];
            Object[] values = new Object[comps.length];
            for (int i = 0; i < comps.length; i++) {
                types[i] = comps[i].getType();
                Object v = comps[i].getAccessor().invoke(r);
                values[i] = v instanceof INDArray a ? a.dup() : v;
            }
            var ctor = r.getClass().getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return (Record) ctor.newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot copy optimizer state " + r.getClass().getName(), e);
        }
    }
}
