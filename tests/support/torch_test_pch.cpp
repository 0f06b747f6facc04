// Owner of the precompiled torch/torch.h + QtTest header that the training tests reuse.
