enum RootfsPlaceholder {}
