# The boards of firmware/boards.toml for the shell scripts (sourced; the host tools and the
# firmware's build read the same file).
#   board_list               every board: "name target" a line
#   board_list qemu          the QEMU boards only
#   board_list real          the real boards only (no QEMU machine)
#   board_field NAME FIELD   one field of a board, quotes removed ("" for the top level)
boards_toml="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/firmware/boards.toml"

board_field() {
    awk -v want="$1" -v field="$2" '
        /^\[\[board\]\]/ { name = "\001"; next }
        {
            line = $0; sub(/[ \t]*#.*/, "", line)
            if (line !~ /^[a-z_]+[ \t]*=/) next
            key = line; sub(/[ \t]*=.*/, "", key)
            value = line; sub(/^[^=]*=[ \t]*/, "", value); gsub(/^"|"$/, "", value)
            if (key == "name") name = value
            else if (name == want && key == field) { print value; exit }
        }' "$boards_toml"
}

board_list() {
    awk -v only="${1:-}" '
        function flush() { if (name != "" && (only == "" || (only == "qemu") == qemu)) print name, target }
        /^\[\[board\]\]/ { flush(); name = ""; target = ""; qemu = 0; next }
        {
            line = $0; sub(/[ \t]*#.*/, "", line)
            value = line; sub(/^[^=]*=[ \t]*/, "", value); gsub(/^"|"$/, "", value)
        }
        line ~ /^name[ \t]*=/ { name = value }
        line ~ /^target[ \t]*=/ { target = value }
        line ~ /^qemu[ \t]*=/ { qemu = 1 }
        END { flush() }' "$boards_toml"
}
