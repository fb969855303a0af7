-- PackageType Image: the container image a version runs (ContainerImage as JSON: the URI as given, the URI pinned to
-- the manifest digest, the image's own ENTRYPOINT/CMD/WORKDIR/ENV). NULL for zip packages. For an image, code_sha256
-- is the manifest digest's hex and code_size the sum of its layers.
ALTER TABLE versions ADD COLUMN image TEXT;
