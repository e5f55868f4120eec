// bertkit's library API. Each area adds its public exports here.
