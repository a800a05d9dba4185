#pragma once
/// \file
/// Everything of gas's public API in one include.

#include <gas/config.h>
#include <gas/datasets/dataset.h>
#include <gas/datasets/planetoid.h>
#include <gas/datasets/synthetic.h>
#include <gas/experiment.h>
#include <gas/graph.h>
#include <gas/history.h>
#include <gas/layerwise.h>
#include <gas/loader.h>
#include <gas/metrics.h>
#include <gas/models/gcn.h>
#include <gas/models/registry.h>
#include <gas/nn/functional.h>
#include <gas/nn/gcn_conv.h>
#include <gas/ops/spmm.h>
#include <gas/partition.h>
#include <gas/scalable_gnn.h>
#include <gas/train.h>
