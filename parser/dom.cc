// Document: gumbo parse with a tracking allocator (so freeing never recurses),
// and the node helpers.
#include "parser/dom.h"

#include <gumbo.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace crawlbox::parser {
namespace {

// Every block gumbo allocates for a Document starts with this header, which
// links it into the Document's circular list of live blocks. The alignment
// keeps the payload malloc-aligned.
struct alignas(alignof(std::max_align_t)) BlockHeader {
  BlockHeader* prev;
  BlockHeader* next;
};

void* AllocateBlock(void* userdata, size_t size) {
  auto* head = static_cast<BlockHeader*>(userdata);
  void* raw = size <= SIZE_MAX - sizeof(BlockHeader)
                  ? std::malloc(sizeof(BlockHeader) + size)
                  : nullptr;
  if (raw == nullptr) {
    // gumbo dereferences what it allocates without a check; stopping here at
    // least says why.
    std::fputs("crawlbox: out of memory while parsing HTML\n", stderr);
    std::abort();
  }
  auto* block = static_cast<BlockHeader*>(raw);
  block->prev = head;
  block->next = head->next;
  head->next->prev = block;
  head->next = block;
  return block + 1;
}

void FreeBlock(void* /*userdata*/, void* ptr) {
  if (ptr == nullptr) return;
  BlockHeader* block = static_cast<BlockHeader*>(ptr) - 1;
  block->prev->next = block->next;
  block->next->prev = block->prev;
  std::free(block);
}

bool IsTextLike(const GumboNode* node) {
  return node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA ||
         node->type == GUMBO_NODE_WHITESPACE;
}

const GumboVector* Children(const GumboNode* node) {
  if (node == nullptr) return nullptr;
  switch (node->type) {
    case GUMBO_NODE_DOCUMENT:
      return &node->v.document.children;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
      return &node->v.element.children;
    default:
      return nullptr;
  }
}

const GumboNode* ChildAt(const GumboVector& children, size_t i) {
  return static_cast<const GumboNode*>(children.data[i]);
}

// gumbo maintains index_within_parent through its tree surgery (foster
// parenting, the adoption agency); the check costs one compare and keeps a
// stale index from sending a walk astray.
size_t IndexInParent(const GumboNode* node, const GumboVector& siblings) {
  size_t i = node->index_within_parent;
  if (i < siblings.length && ChildAt(siblings, i) == node) return i;
  for (i = 0; i < siblings.length; ++i) {
    if (ChildAt(siblings, i) == node) return i;
  }
  return siblings.length;
}

// Pre-order successor of `node` within the subtree of `root`, following parent
// pointers.
const GumboNode* NextInTree(const GumboNode* node, const GumboNode* root,
                            bool elements_only) {
  if (node == nullptr) return nullptr;
  auto wanted = [elements_only](const GumboNode* n) {
    return !elements_only || IsElement(n);
  };
  if (const GumboVector* children = Children(node)) {
    for (size_t i = 0; i < children->length; ++i) {
      if (wanted(ChildAt(*children, i))) return ChildAt(*children, i);
    }
  }
  for (const GumboNode* n = node; n != root && n->parent != nullptr;
       n = n->parent) {
    const GumboVector* siblings = Children(n->parent);
    if (siblings == nullptr) break;
    for (size_t i = IndexInParent(n, *siblings) + 1; i < siblings->length;
         ++i) {
      if (wanted(ChildAt(*siblings, i))) return ChildAt(*siblings, i);
    }
  }
  return nullptr;
}

// The tag name inside a start tag's source text: "<My-Tag a=b>" -> "My-Tag".
std::string_view NameInTagText(const GumboStringPiece& tag) {
  if (tag.data == nullptr || tag.length < 2 || tag.data[0] != '<') return {};
  size_t begin = tag.data[1] == '/' ? 2 : 1;
  size_t end = begin;
  while (end < tag.length) {
    char c = tag.data[end];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
        c == '/' || c == '>') {
      break;
    }
    ++end;
  }
  return std::string_view(tag.data + begin, end - begin);
}

char ToLowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsIgnoreCase(const char* s, std::string_view name) {
  for (size_t i = 0; i < name.size(); ++i) {
    if (s[i] == '\0' || ToLowerAscii(s[i]) != ToLowerAscii(name[i]))
      return false;
  }
  return s[name.size()] == '\0';
}

}  // namespace

struct Document::State {
  State() { blocks.prev = blocks.next = &blocks; }
  ~State() {
    // Frees the whole tree without gumbo_destroy_output(), which recurses per
    // nesting level.
    for (BlockHeader* block = blocks.next; block != &blocks;) {
      BlockHeader* next = block->next;
      std::free(block);
      block = next;
    }
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  std::string html;  // gumbo's input; original_* pieces point into it
  BlockHeader
      blocks;  // sentinel of the list of every live block gumbo allocated
  GumboOutput* output = nullptr;
};

Document Document::Parse(std::string_view html) {
  auto state = std::make_unique<State>();
  state->html.assign(html.substr(0, std::min<size_t>(html.size(), UINT32_MAX)));

  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &AllocateBlock;
  options.deallocator = &FreeBlock;
  options.userdata = &state->blocks;
  // Parse errors are never read; recording none keeps a broken page from
  // growing a vector of them.
  options.max_errors = 0;
  options.stop_on_first_error = false;
  state->output = gumbo_parse_with_options(&options, state->html.data(),
                                           state->html.size());

  // Unknown tags keep only their source text, so TagName() reads the name from
  // there; lowering it in place once lets TagName() return a view instead of
  // building a string per call.
  char* buffer = state->html.data();
  const char* buffer_end = buffer + state->html.size();
  ForEachElement(state->output->document, [&](const GumboNode* node) {
    if (node->v.element.tag != GUMBO_TAG_UNKNOWN) return;
    std::string_view name = NameInTagText(node->v.element.original_tag);
    if (name.empty() || name.data() < buffer ||
        name.data() + name.size() > buffer_end)
      return;
    char* p = buffer + (name.data() - buffer);
    std::transform(p, p + name.size(), p, ToLowerAscii);
  });
  return Document(std::move(state));
}

Document::Document(std::unique_ptr<State> state) : state_(std::move(state)) {}
Document::Document(Document&& other) noexcept = default;
Document& Document::operator=(Document&& other) noexcept = default;
Document::~Document() = default;

const GumboNode* Document::root() const {
  return state_ != nullptr ? state_->output->root : nullptr;
}

const GumboNode* Document::document() const {
  return state_ != nullptr ? state_->output->document : nullptr;
}

std::string_view Document::html() const {
  return state_ != nullptr ? std::string_view(state_->html)
                           : std::string_view();
}

bool IsElement(const GumboNode* node) {
  return node != nullptr && (node->type == GUMBO_NODE_ELEMENT ||
                             node->type == GUMBO_NODE_TEMPLATE);
}

std::string_view TagName(const GumboNode* node) {
  if (!IsElement(node)) return {};
  const GumboElement& element = node->v.element;
  if (element.tag != GUMBO_TAG_UNKNOWN)
    return gumbo_normalized_tagname(element.tag);
  return NameInTagText(element.original_tag);
}

const char* Attribute(const GumboNode* node, std::string_view name) {
  if (!IsElement(node)) return nullptr;
  const GumboVector& attributes = node->v.element.attributes;
  for (size_t i = 0; i < attributes.length; ++i) {
    const auto* attribute =
        static_cast<const GumboAttribute*>(attributes.data[i]);
    if (EqualsIgnoreCase(attribute->name, name)) return attribute->value;
  }
  return nullptr;
}

std::string TextContent(const GumboNode* node) {
  std::string text;
  if (node == nullptr) return text;
  if (IsTextLike(node) || node->type == GUMBO_NODE_COMMENT)
    return node->v.text.text;
  for (const GumboNode* n = NextInTree(node, node, false); n != nullptr;
       n = NextInTree(n, node, false)) {
    if (IsTextLike(n)) text += n->v.text.text;
  }
  return text;
}

const GumboNode* ParentElement(const GumboNode* node) {
  return node != nullptr && IsElement(node->parent) ? node->parent : nullptr;
}

const GumboNode* PreviousElementSibling(const GumboNode* node) {
  const GumboVector* siblings =
      node != nullptr ? Children(node->parent) : nullptr;
  if (siblings == nullptr) return nullptr;
  size_t index = IndexInParent(node, *siblings);
  if (index == siblings->length) return nullptr;
  for (size_t i = index; i-- > 0;) {
    if (IsElement(ChildAt(*siblings, i))) return ChildAt(*siblings, i);
  }
  return nullptr;
}

const GumboNode* NextElementSibling(const GumboNode* node) {
  const GumboVector* siblings =
      node != nullptr ? Children(node->parent) : nullptr;
  if (siblings == nullptr) return nullptr;
  for (size_t i = IndexInParent(node, *siblings) + 1; i < siblings->length;
       ++i) {
    if (IsElement(ChildAt(*siblings, i))) return ChildAt(*siblings, i);
  }
  return nullptr;
}

const GumboNode* NextElement(const GumboNode* node, const GumboNode* root) {
  return NextInTree(node, root, true);
}

}  // namespace crawlbox::parser
