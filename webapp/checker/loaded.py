"""The classifier of one model version, held by a process and loaded again only when the version's
files or runtime change: the checker's active model (classify.ActiveModel) and the shadow judge
(shadow.Judge) each hold one."""


class LoadedVersion:
    def __init__(self):
        self.key = self.classifier = None

    @property
    def pk(self):
        """The id of the version held, or None."""
        return self.key and self.key[0]

    def get(self, version):
        """`version`'s Classifier, loaded unless it is the one held; ModelLoadError (and nothing held)
        when it cannot be."""
        from ml import runtimes  # imports torch: only when a model is needed

        key = (version.pk, version.artifact_path, version.runtime)
        if key != self.key:
            self.key = self.classifier = None
            self.classifier = runtimes.load(version.artifact_path, version.runtime)
            self.key = key
        return self.classifier
