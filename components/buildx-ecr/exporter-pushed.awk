# A build log (--progress plain) -> the `<name>@<digest>` of each manifest BuildKit's image
# exporter pushed, printed only when the build failed in buildx's second push of those names
# through the engine (step `#N pushing <name> with docker`, then `#N ERROR: …`): the exporter's
# step had completed, or buildx would not have started that one.
$2 == "pushing" && $(NF - 1) == "with" && $NF == "docker" { engine[$1] = 1 }
($1 in engine) && $2 == "ERROR:" { engine_failed = 1 }
$2 == "pushing" && $3 == "manifest" && $4 == "for" && $NF == "done" { pushed[$5] = 1 }
END { if (engine_failed) for (ref in pushed) print ref }
