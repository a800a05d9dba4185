#pragma once
/// \file
/// Cora, CiteSeer and PubMed from the raw Planetoid files PyG downloads.

#include <gas/datasets/dataset.h>
#include <gas/macros.h>

namespace gas {

/// Reads root/Planetoid/<Name>/raw/ind.<name>.{x,tx,allx,y,ty,ally,graph,test.index}
/// (`name` is cora, citeseer or pubmed, any case) and processes them exactly
/// as PyG does: features vstack(allx, tx) with the test rows re-placed in
/// sorted order (CiteSeer's test nodes without a feature row get zeros),
/// self-loops removed and duplicate edges merged, the public split (every
/// labelled node of x for training, the next 500 for validation, the 1000
/// test.index nodes for testing), and row-normalised features
/// (NormalizeFeatures, which PyGAS applies).
GAS_API Dataset load_planetoid(const std::string& root, const std::string& name);

}  // namespace gas
