#include "core/Suppressions.h"

#include <cctype>

namespace fearless {

static std::string trim(const std::string &S) {
  size_t B = 0, E = S.size();
  while (B < E && std::isspace(static_cast<unsigned char>(S[B])))
    ++B;
  while (E > B && std::isspace(static_cast<unsigned char>(S[E - 1])))
    --E;
  return S.substr(B, E - B);
}

bool globMatch(const std::string &Pattern, const std::string &Name) {
  // Iterative '*' matching with backtracking to the last star.
  size_t P = 0, N = 0, Star = std::string::npos, Mark = 0;
  while (N < Name.size()) {
    if (P < Pattern.size() && Pattern[P] == '*') {
      Star = P++;
      Mark = N;
    } else if (P < Pattern.size() && Pattern[P] == Name[N]) {
      ++P;
      ++N;
    } else if (Star != std::string::npos) {
      P = Star + 1;
      N = ++Mark;
    } else {
      return false;
    }
  }
  while (P < Pattern.size() && Pattern[P] == '*')
    ++P;
  return P == Pattern.size();
}

GlobList::GlobList(const std::string &Text) {
  size_t Start = 0;
  while (Start <= Text.size()) {
    size_t Comma = Text.find(',', Start);
    if (Comma == std::string::npos)
      Comma = Text.size();
    std::string Item = trim(Text.substr(Start, Comma - Start));
    if (!Item.empty()) {
      bool Positive = Item[0] != '-';
      if (!Positive)
        Item = trim(Item.substr(1));
      Globs.push_back({Positive, Item});
    }
    Start = Comma + 1;
  }
}

bool GlobList::contains(const std::string &Name) const {
  for (auto It = Globs.rbegin(); It != Globs.rend(); ++It)
    if (globMatch(It->Pattern, Name))
      return It->Positive;
  return false;
}

namespace {
struct Token {
  SuppressionIndex::Kind K;
  bool IsEnd;
  std::string Checks;
};

// Finds every NOLINT token on one line.
std::vector<Token> scanLine(const std::string &Line) {
  std::vector<Token> Out;
  size_t Pos = 0;
  while ((Pos = Line.find("NOLINT", Pos)) != std::string::npos) {
    size_t P = Pos + 6;
    Token T{SuppressionIndex::Kind::SameLine, false, ""};
    auto Rest = [&](const char *Word) {
      size_t L = std::char_traits<char>::length(Word);
      if (Line.compare(P, L, Word) == 0) {
        P += L;
        return true;
      }
      return false;
    };
    if (Rest("NEXTLINE"))
      T.K = SuppressionIndex::Kind::NextLine;
    else if (Rest("BEGIN"))
      T.K = SuppressionIndex::Kind::Region;
    else if (Rest("END")) {
      T.K = SuppressionIndex::Kind::Region;
      T.IsEnd = true;
    }
    if (P < Line.size() && Line[P] == '(') {
      size_t Close = Line.find(')', P);
      if (Close == std::string::npos) {
        // clang-tidy treats an unclosed list as "all checks".
        P = Line.size();
      } else {
        T.Checks = trim(Line.substr(P + 1, Close - P - 1));
        P = Close + 1;
      }
    }
    Out.push_back(T);
    Pos = P;
  }
  return Out;
}
} // namespace

SuppressionIndex SuppressionIndex::parse(const std::string &Text) {
  SuppressionIndex Index;
  struct Open {
    unsigned Line;
    std::string Checks;
  };
  std::vector<Open> Stack;
  unsigned LineNo = 0;
  size_t Start = 0;
  while (Start < Text.size()) {
    size_t End = Text.find('\n', Start);
    if (End == std::string::npos)
      End = Text.size();
    ++LineNo;
    std::string Line = Text.substr(Start, End - Start);
    if (Line.find("NOLINT") != std::string::npos) {
      for (const Token &T : scanLine(Line)) {
        switch (T.K) {
        case Kind::SameLine:
          Index.Directives.push_back(
              {Kind::SameLine, LineNo, LineNo, LineNo, T.Checks});
          break;
        case Kind::NextLine:
          Index.Directives.push_back(
              {Kind::NextLine, LineNo, LineNo + 1, LineNo + 1, T.Checks});
          break;
        case Kind::Region:
          if (!T.IsEnd) {
            Stack.push_back({LineNo, T.Checks});
            break;
          }
          {
            bool Matched = false;
            for (size_t I = Stack.size(); I-- > 0;) {
              if (Stack[I].Checks != T.Checks)
                continue;
              Index.Directives.push_back({Kind::Region, Stack[I].Line, LineNo,
                                          Stack[I].Line, Stack[I].Checks});
              Stack.erase(Stack.begin() + I);
              Matched = true;
              break;
            }
            if (!Matched)
              Index.Problems.push_back(std::to_string(LineNo) +
                                       ": NOLINTEND without a matching "
                                       "NOLINTBEGIN");
          }
          break;
        }
      }
    }
    Start = End + 1;
  }
  for (const Open &O : Stack)
    Index.Problems.push_back(std::to_string(O.Line) +
                             ": NOLINTBEGIN without a matching NOLINTEND");
  return Index;
}

bool SuppressionIndex::suppresses(unsigned Line, const std::string &CheckId) {
  bool Any = false;
  for (Directive &D : Directives) {
    if (Line < D.FirstLine || Line > D.EndLine)
      continue;
    if (!D.Checks.empty() && !GlobList(D.Checks).contains(CheckId))
      continue;
    D.Used = true;
    Any = true;
  }
  return Any;
}

} // namespace fearless
